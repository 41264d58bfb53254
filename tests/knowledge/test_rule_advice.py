"""A rule's advice is data: the alert's mechanism and recommendation are templates in the rule's
knowledge file (`advice`, one per branch of the rule), filled by the check.

The loader refuses a template naming a field outside the vocabulary (`ADVICE_FIELDS`), a
positional field and a rule without its `default` branch, naming the file and the field; a check
that does not give a value a template needs is a defect, never a literal "{drug}" in an alert.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import KnowledgeError
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import ADVICE_FIELDS, template_fields
from myorelax.safety.engine import evaluate_regimen
from tests.knowledge_edits import edit_yaml as _edit
from tests.knowledge_edits import load_problems as _problems
from tests.safety.test_scenarios import FILES, _load

RULES = Path(__file__).resolve().parents[2] / "src/myorelax/knowledge/data/rules"


def test_every_rule_file_has_one_default_advice() -> None:
    kb = load_knowledge()
    files = sorted(RULES.glob("MRX-*.yaml"))
    assert {f.stem for f in files} == set(kb.rules)
    for code, rule in kb.rules.items():
        branches = [a.when for a in rule.advice]
        assert branches.count("default") == 1, code
        assert len(set(branches)) == len(branches), code


def test_every_template_uses_only_the_vocabulary() -> None:
    for rule in load_knowledge().rules.values():
        for a in rule.advice:
            for text in (a.mechanism, a.recommendation):
                assert set(template_fields(text)) <= set(ADVICE_FIELDS), (rule.code, text)


def _set_recommendation(path: Path, text: str) -> None:
    def change(d: dict[str, Any]) -> None:
        d["advice"][0]["recommendation"] = text

    _edit(path, change)


def test_an_unknown_field_is_refused(kb_copy: Path) -> None:
    _set_recommendation(kb_copy / "rules/MRX-CI-002.yaml", "Do not give {drgu}.")
    problems = _problems(kb_copy)
    assert any(
        f == "rules/MRX-CI-002.yaml"
        and field == "advice.0.recommendation"
        and "unknown field {drgu}" in why
        for f, field, why in problems
    ), problems


@pytest.mark.parametrize("field", ["{}", "{0}"])
def test_a_positional_field_is_refused(kb_copy: Path, field: str) -> None:
    _set_recommendation(kb_copy / "rules/MRX-DOSE-001.yaml", f"Lower the dose to {field} mg.")
    problems = _problems(kb_copy)
    assert any(
        f == "rules/MRX-DOSE-001.yaml"
        and loc == "advice.0.recommendation"
        and f"positional field {field}" in why
        for f, loc, why in problems
    ), problems


def test_a_format_spec_is_refused(kb_copy: Path) -> None:
    _set_recommendation(kb_copy / "rules/MRX-DOSE-001.yaml", "At most {limit:.1f} mg.")
    problems = _problems(kb_copy)
    assert any(
        loc == "advice.0.recommendation" and "{limit}" in why and "format spec" in why
        for _, loc, why in problems
    ), problems


def test_a_missing_default_is_refused(kb_copy: Path) -> None:
    def rename(d: dict[str, Any]) -> None:
        d["advice"][0]["when"] = "condition"

    _edit(kb_copy / "rules/MRX-CI-001.yaml", rename)
    problems = _problems(kb_copy)
    assert any(
        f == "rules/MRX-CI-001.yaml" and loc == "advice" and "when: default" in why
        for f, loc, why in problems
    ), problems


def test_a_branch_given_twice_is_refused(kb_copy: Path) -> None:
    def twice(d: dict[str, Any]) -> None:
        d["advice"][1]["when"] = d["advice"][2]["when"]

    _edit(kb_copy / "rules/MRX-DOSE-004.yaml", twice)
    problems = _problems(kb_copy)
    twice = [why for _, loc, why in problems if loc == "advice" and "more than once" in why]
    assert twice, problems


def test_a_rule_without_advice_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / "rules/MRX-POP-003.yaml", lambda d: d.pop("advice"))
    problems = _problems(kb_copy)
    assert ("rules/MRX-POP-003.yaml", "advice", "Field required") in problems, problems


def test_a_missing_value_is_a_defect_not_a_literal_field() -> None:
    rule = load_knowledge().rules["MRX-CI-002"]
    with pytest.raises(KnowledgeError, match=r"MRX-CI-002.yaml: advice\[when=default\]"):
        rule.advised("default", {})
    with pytest.raises(KnowledgeError, match="no_such_branch"):
        rule.advised("no_such_branch", {"drug": "Baclofen"})
    mechanism, recommendation = rule.advised("default", {"drug": "Baclofen"})
    assert recommendation == (
        "Do not give Baclofen; confirm the allergy history and choose an unrelated drug."
    )
    assert "{" not in mechanism


def test_the_knowledge_entry_stays_the_single_source() -> None:
    """Where the advice is a knowledge entry's own (an interaction's, an adjustment's action),
    the rule's template is just that field."""
    rules = load_knowledge().rules
    for code in ("MRX-DDI-001", "MRX-DDI-002", "MRX-DDI-003", "MRX-DDI-005"):
        default = next(a for a in rules[code].advice if a.when == "default")
        assert (default.mechanism, default.recommendation) == ("{mechanism}", "{recommendation}")
    for code in ("MRX-RENAL-002", "MRX-HEP-001", "MRX-PGX-001"):
        default = next(a for a in rules[code].advice if a.when == "default")
        assert default.recommendation == "{action}", code


def _alerts(path: Path) -> list[Any]:
    case = _load(path)
    today = date.fromisoformat(case["date"])
    regimen = regimen_from(case.get("orders", []), case.get("stopping", []), start=today)
    return list(evaluate_regimen(patient_from_data(case["patient"]), regimen, today=today).alerts)


def test_no_golden_scenario_alert_has_a_brace_left() -> None:
    seen: set[str] = set()
    for path in FILES:
        for a in _alerts(path):
            seen.add(a.code)
            for text in (a.mechanism, a.recommendation):
                assert text.strip(), (path.name, a.code)
                assert "{" not in text and "}" not in text, (path.name, a.code, text)
    assert seen >= set(load_knowledge().rules), "every rule fires in some scenario"
