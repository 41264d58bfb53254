"""Golden clinical scenarios: one data file per case in tests/scenarios/<rule code>/.

Each file holds the patient, the orders, the expected alerts (code, severity, drugs), codes that
must not fire, and the rationale with its source. `appropriate/` holds regimens that must raise
nothing major or contraindicated.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from myorelax import knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import SEVERITY_ORDER
from myorelax.safety.engine import evaluate_regimen

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*/*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_scenario(path: Path) -> None:
    case = _load(path)
    assert case["rationale"] and case["source"], "every scenario states why, with its source"
    patient = patient_from_data(case["patient"])
    today = date.fromisoformat(case["date"])
    regimen = regimen_from(case.get("orders", []), case.get("stopping", []), start=today)
    report = evaluate_regimen(patient, regimen, today=today)
    got = [(a.code, a.severity, set(a.drugs)) for a in report.alerts]
    expect = case["expect"]
    for want in expect.get("alerts", []):
        matches = [
            g
            for g in got
            if g[0] == want["code"]
            and ("severity" not in want or g[1] == want["severity"])
            and set(want.get("drugs", [])) <= g[2]
        ]
        assert matches, f"{path.name}: expected {want}, got {got}"
    for code in expect.get("absent", []):
        assert code not in {g[0] for g in got}, f"{path.name}: {code} must not fire; got {got}"
    if "max_severity" in expect:
        limit = SEVERITY_ORDER.index(expect["max_severity"])
        worse = [g for g in got if SEVERITY_ORDER.index(g[1]) < limit]  # type: ignore[arg-type]
        assert not worse, f"{path.name}: nothing above {expect['max_severity']}; got {worse}"


def test_suite_size_and_coverage() -> None:
    """At least 60 cases, 15 appropriate regimens, and a folder for every rule code."""
    assert len(FILES) >= 60
    assert len(list((SCENARIOS / "appropriate").glob("*.yaml"))) >= 15
    folders = {p.name for p in SCENARIOS.iterdir() if p.is_dir()}
    rules = set(load_knowledge().rules)
    assert rules <= folders, f"rules without a scenario folder: {sorted(rules - folders)}"
    assert folders - {"appropriate"} <= rules, "scenario folder named after no rule"


def test_the_validation_page_counts_the_scenarios_as_they_are() -> None:
    """docs/validation.md quotes these counts by hand; they had fallen behind (112 files, 35
    rules) while cases were added."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text()
    rules = sorted(p.parent.name for p in FILES if p.parent.name.startswith("MRX-"))
    appropriate = [p for p in FILES if p.parent.name == "appropriate"]
    codes = len(list((Path(knowledge.__file__).parent / "data" / "rules").glob("*.yaml")))
    assert f"| scenario files | {len(FILES)} |" in page
    assert f"checked by a test) | {len(set(rules))} of {codes} |" in page
    assert f"major or contraindicated | {len(appropriate)} |" in page
