"""Issue 19: the checks read their clinical constants from the knowledge base.

The pregnancy-possible age band (patient_states.yaml) at its edges, MRX-DUP-001's severity step
(2 vs 3 relaxants) and MRX-DDI-004's severity from the rule's trigger; a changed knowledge folder
changes the behaviour, which shows no copy of the number is left in Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge_from
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.safety.engine import evaluate_regimen
from tests.knowledge_edits import edit_yaml as _edit

RECORD: dict[str, Any] = {
    "sex": "female",
    "weight_kg": 60,
    "scr_mg_dl": 0.7,
    "allergies": [],
}


BOTH = {"missing_pregnancy_status", "missing_lactation_status"}


def _asked(age: float | None, *, kb: KnowledgeBase | None = None, sex: str = "female") -> set[str]:
    data = {**RECORD, "sex": sex} | ({"age_years": age} if age is not None else {})
    report = evaluate_regimen(patient_from_data(data), regimen_from(["baclofen 5 mg tid"]), kb=kb)
    found: set[str] = {n.reason for n in report.not_checked}
    return found & BOTH


@pytest.mark.parametrize(
    ("age", "asked"),
    [(7.9, False), (8, True), (30, True), (62, True), (62.1, False), (80, False), (None, True)],
)
def test_pregnancy_status_is_asked_inside_the_band_both_ends_included(
    age: float | None, asked: bool
) -> None:
    assert _asked(age) == (BOTH if asked else set())


def test_a_patient_recorded_as_male_is_never_asked() -> None:
    assert _asked(30, sex="male") == set()


def test_the_band_is_read_from_the_knowledge_folder(kb_copy: Path) -> None:
    def narrow(d: dict[str, Any]) -> None:
        d["pregnancy_possible"]["from_age"].update(value=12)
        d["pregnancy_possible"]["through_age"].update(value=50)

    _edit(kb_copy / "patient_states.yaml", narrow)
    site = load_knowledge_from(kb_copy)
    assert _asked(11, kb=site) == set()
    assert _asked(12, kb=site) == BOTH
    assert _asked(50, kb=site) == BOTH
    assert _asked(51, kb=site) == set()


# -- MRX-DUP-001: the Beers step at three relaxants ------------------------------------------

OLDER: dict[str, Any] = {"age_years": 72, "sex": "female", "weight_kg": 70, "scr_mg_dl": 0.8}


def _dup(meds: list[str], orders: list[str], kb: KnowledgeBase | None = None) -> Any:
    report = evaluate_regimen(
        patient_from_data({**OLDER, "medications": meds}), regimen_from(orders), kb=kb
    )
    (alert,) = [a for a in report.alerts if a.code == "MRX-DUP-001"]
    return alert


def test_two_relaxants_are_moderate_without_the_beers_step() -> None:
    a = _dup(["methocarbamol 750 mg qid"], ["cyclobenzaprine 5 mg tid"])
    assert a.severity == "moderate"
    assert "Beers" not in a.detail
    assert {e.source for e in a.evidence} >= {"stopp-start-v2"}


def test_three_relaxants_are_major_with_the_step_s_reason_and_citation() -> None:
    a = _dup(
        ["cyclobenzaprine 5 mg tid", "tizanidine 2 mg tid"], ["carisoprodol 350 mg tid for 7 days"]
    )
    assert a.severity == "major"
    assert "three or more CNS-active drugs: Beers 2023 advises avoiding" in a.detail
    assert ("beers-2023", "Table 5") in {(e.source, e.section) for e in a.evidence}
    assert "stopp-start-v2" in {e.source for e in a.evidence}  # the rule's evidence is kept


def test_the_step_is_read_from_the_rule_file(kb_copy: Path) -> None:
    def later(d: dict[str, Any]) -> None:
        d["trigger"]["escalate"][0].update(at_least=4, reason="four or more (site rule)")

    _edit(kb_copy / "rules/MRX-DUP-001.yaml", later)
    site = load_knowledge_from(kb_copy)
    three = _dup(
        ["cyclobenzaprine 5 mg tid", "tizanidine 2 mg tid"],
        ["carisoprodol 350 mg tid for 7 days"],
        site,
    )
    assert three.severity == "moderate"
    four = _dup(
        ["cyclobenzaprine 5 mg tid", "tizanidine 2 mg tid", "methocarbamol 750 mg qid"],
        ["carisoprodol 350 mg tid for 7 days"],
        site,
    )
    assert four.severity == "major" and "four or more (site rule)" in four.detail


def test_the_holy_trinity_severity_is_read_from_its_trigger(kb_copy: Path) -> None:
    _edit(
        kb_copy / "rules/MRX-DDI-004.yaml",
        lambda d: d["trigger"].update(severity="contraindicated"),
    )
    site = load_knowledge_from(kb_copy)
    report = evaluate_regimen(
        patient_from_data(
            {"age_years": 40, "medications": ["oxycodone 5 mg q6h", "alprazolam 0.5 mg tid"]}
        ),
        regimen_from(["carisoprodol 350 mg tid"]),
        kb=site,
    )
    (a,) = [a for a in report.alerts if a.code == "MRX-DDI-004"]
    assert a.severity == "contraindicated"


def test_a_site_that_fires_at_three_applies_the_step_from_the_start(kb_copy: Path) -> None:
    _edit(kb_copy / "rules/MRX-DUP-001.yaml", lambda d: d["trigger"].update(at_least=3))
    site = load_knowledge_from(kb_copy)
    a = _dup(
        ["cyclobenzaprine 5 mg tid", "tizanidine 2 mg tid"],
        ["carisoprodol 350 mg tid for 7 days"],
        site,
    )
    assert a.severity == "major"


# -- MRX-BEERS-003: the count of CNS-active drugs is the rule's trigger ----------------------

CNS = {**OLDER, "medications": ["sertraline 50 mg daily", "gabapentin 300 mg tid"]}


def _beers3(kb: KnowledgeBase | None = None) -> list[Any]:
    report = evaluate_regimen(
        patient_from_data(CNS), regimen_from(["cyclobenzaprine 5 mg tid for 7 days"]), kb=kb
    )
    return [a for a in report.alerts if a.code == "MRX-BEERS-003"]


def test_three_cns_active_drugs_fire_the_beers_rule_from_its_trigger(kb_copy: Path) -> None:
    (a,) = _beers3()
    assert a.severity == "major" and "avoid 3 or more" in a.summary
    _edit(kb_copy / "rules/MRX-BEERS-003.yaml", lambda d: d["trigger"].update(at_least=4))
    assert _beers3(load_knowledge_from(kb_copy)) == []
