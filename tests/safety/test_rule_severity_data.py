"""Issue 19: a rule's severity lives in its knowledge file, not in the check.

A fixed severity (MRX-DOSE-001 major) is the file's: a site's folder that grades it moderate gets
moderate alerts. The steps are data too: MRX-WD-001's sharp cut (moderate below half the current
daily dose; the fraction from the file) and MRX-HEP-002's liver warning that is not boxed (minor).
Bad severities are load errors naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge, load_knowledge_from, validate_knowledge
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.safety.engine import evaluate_regimen
from tests.knowledge_edits import edit_yaml as _edit

ADULT: dict[str, Any] = {"age_years": 40, "sex": "female", "weight_kg": 70, "scr_mg_dl": 0.8,
                         "allergies": []}  # fmt: skip


def _severities(
    orders: list[str], kb: KnowledgeBase | None = None, **patient: Any
) -> dict[str, set[str]]:
    report = evaluate_regimen(patient_from_data(ADULT | patient), regimen_from(orders), kb=kb)
    out: dict[str, set[str]] = {}
    for a in report.alerts:
        out.setdefault(a.code, set()).add(a.severity)
    return out


def test_every_fixed_rule_severity_is_in_the_closed_vocabulary() -> None:
    kb = load_knowledge()
    for rule in kb.rules.values():
        assert (rule.severity is None) != (rule.severity_from is None), rule.code
        assert rule.severity_text()  # the registry can say it


def test_a_site_that_grades_a_dose_rule_lower_gets_the_lower_grade(kb_copy: Path) -> None:
    order = ["baclofen 40 mg tid"]  # 40 mg a dose: above the labelled single maximum
    assert _severities(order)["MRX-DOSE-001"] == {"major"}
    _edit(kb_copy / "rules/MRX-DOSE-001.yaml", lambda d: d.update(severity="moderate"))
    site = load_knowledge_from(kb_copy)
    assert _severities(order, site)["MRX-DOSE-001"] == {"moderate"}


def test_a_sharp_cut_is_moderate_and_its_fraction_is_the_files(kb_copy: Path) -> None:
    current = {"medications": ["baclofen 20 mg tid"]}
    # 60 -> 15 mg/day: below half, a sharp cut (moderate); 60 -> 40 mg/day: not sharp.
    assert _severities(["baclofen 5 mg tid"], **current)["MRX-WD-001"] == {"moderate"}
    assert "MRX-WD-001" not in _severities(["baclofen 10 mg qid"], **current)

    def quarter(d: dict[str, Any]) -> None:
        d["severity_steps"][0]["below_fraction"] = 0.2

    _edit(kb_copy / "rules/MRX-WD-001.yaml", quarter)
    site = load_knowledge_from(kb_copy)
    assert "MRX-WD-001" not in _severities(["baclofen 5 mg tid"], site, **current)
    assert _severities(["baclofen 5 mg daily"], site, **current)["MRX-WD-001"] == {"moderate"}


def test_a_liver_warning_that_is_not_boxed_is_minor_and_a_boxed_one_moderate() -> None:
    got = _severities(["dantrolene 25 mg daily"])
    assert got["MRX-HEP-002"] == {"moderate"}  # boxed warning
    assert _severities(["chlorzoxazone 500 mg tid"])["MRX-HEP-002"] == {"minor"}


@pytest.mark.parametrize(
    ("file", "change", "field", "message"),
    [
        ("MRX-DOSE-001", lambda d: d.update(severity="severe"), "severity", "Input should be"),
        ("MRX-DOSE-001", lambda d: d.update(severity_from="interaction"), "-", "exactly one"),
        ("MRX-DDI-001", lambda d: d.update(severity_from="label"), "severity_from", "Input should be"),
        ("MRX-WD-001", lambda d: d["severity_steps"][0].pop("below_fraction"), "severity_steps.0",
         "below_fraction"),
        ("MRX-WD-001", lambda d: d["severity_steps"][0].update(when="sometimes"),
         "severity_steps.0.when", "Input should be"),
    ],
)  # fmt: skip
def test_a_bad_rule_severity_is_a_load_error_naming_file_and_field(
    kb_copy: Path, file: str, change: Any, field: str, message: str
) -> None:
    _edit(kb_copy / f"rules/{file}.yaml", change)
    kb, problems = validate_knowledge(kb_copy)
    assert kb is None
    named = [(p, m) for f, p, m in problems if f == f"rules/{file}.yaml"]
    assert any(p == field and message in m for p, m in named), problems
