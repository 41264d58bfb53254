"""Never silent: whatever a check could not check is in `not_checked`, with a reason code, and
an empty list means everything the rules needed was known."""

from __future__ import annotations

from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen

COMPLETE: dict[str, Any] = {
    "age_years": 45,
    "sex": "female",
    "weight_kg": 70,
    "scr_mg_dl": 0.8,
    "child_pugh": None,
    "conditions": [],
    "allergies": [],
    "pregnant": False,
    "lactating": False,
}


def reasons(patient: dict[str, Any], orders: list[str]) -> set[str]:
    report = evaluate_regimen(patient_from_data(patient), regimen_from(orders))
    return {n.reason for n in report.not_checked}


def test_a_complete_record_leaves_nothing_unchecked_for_baclofen() -> None:
    # Baclofen has no liver adjustments: liver function is not needed.
    assert reasons(COMPLETE, ["baclofen 5 mg tid"]) == set()


@pytest.mark.parametrize(
    ("change", "orders", "reason"),
    [
        ({"age_years": None}, ["baclofen 5 mg tid"], "missing_age"),
        ({"scr_mg_dl": None}, ["baclofen 5 mg tid"], "missing_kidney_function"),
        ({"scr_mg_dl": None, "egfr_ml_min": 40}, ["baclofen 5 mg tid"], "kidney_function_as_egfr"),
        ({"weight_kg": None}, ["baclofen 5 mg tid"], "missing_weight"),
        ({"sex": None}, ["baclofen 5 mg tid"], "missing_sex"),
        ({}, ["tizanidine 2 mg tid"], "missing_liver_function"),
        ({"pregnant": None}, ["baclofen 5 mg tid"], "missing_pregnancy_status"),
        ({"lactating": None}, ["baclofen 5 mg tid"], "missing_lactation_status"),
        ({"allergies": None}, ["baclofen 5 mg tid"], "missing_allergies"),
        ({"allergies": ["fooxicillin"]}, ["baclofen 5 mg tid"], "unknown_allergy"),
        ({"conditions": ["fooitis"]}, ["baclofen 5 mg tid"], "unknown_condition"),
        ({"medications": ["fooxetine 20 mg daily"]}, ["baclofen 5 mg tid"], "unknown_drug"),
        ({"medications": ["Percocet 5/325 now and then"]}, ["baclofen 5 mg tid"], "unparsed_dose"),
        ({"medications": ["tizanidine"]}, ["baclofen 5 mg tid"], "no_dose"),
    ],
)
def test_each_reason(change: dict[str, Any], orders: list[str], reason: str) -> None:
    patient = {k: v for k, v in {**COMPLETE, **change}.items() if v is not None}
    assert reason in reasons(patient, orders)


def test_facts_are_asked_only_where_a_rule_needs_them() -> None:
    male = {**COMPLETE, "sex": "male"}
    del male["pregnant"], male["lactating"]
    assert "missing_pregnancy_status" not in reasons(male, ["baclofen 5 mg tid"])
    # A review of nothing with a monograph (a statin alone) needs no patient facts.
    assert reasons({"medications": ["simvastatin 20 mg daily"]}, []) == set()


def test_the_check_report_of_the_issue_example_fires_and_says_what_was_missing() -> None:
    """tizanidine with the combined pill written as a combination: CYP1A2 interaction (the
    ethinyl estradiol component), and the unknown facts listed."""
    report = evaluate_regimen(
        patient_from_data({"medications": ["levonorgestrel/ethinyl estradiol 0.15/0.03 mg daily"]}),
        regimen_from(["tizanidine 4 mg tid"]),
    )
    assert ("MRX-DDI-001", ("ethinyl estradiol", "tizanidine")) in {
        (a.code, tuple(sorted(a.drugs))) for a in report.alerts
    }
    assert {"missing_age", "missing_kidney_function"} <= {n.reason for n in report.not_checked}


def test_dialysis_alone_is_known_kidney_function() -> None:
    """On dialysis with no CrCl or eGFR: the kidney rules are applied (dialysis), nothing is said
    missing about kidney function, and the check does not fail (a None eGFR was once formatted)."""
    patient = {**COMPLETE, "scr_mg_dl": None, "dialysis": True}
    got = reasons(patient, ["metaxalone 800 mg tid"])
    assert "missing_kidney_function" not in got
    assert "kidney_function_as_egfr" not in got
    report = evaluate_regimen(patient_from_data(patient), regimen_from(["metaxalone 800 mg tid"]))
    assert [(a.code, a.severity) for a in report.alerts if a.code.startswith("MRX-RENAL")] == [
        ("MRX-RENAL-002", "contraindicated")
    ]


def test_an_egfr_band_is_preferred_to_a_crcl_band_read_on_the_egfr() -> None:
    """Metaxalone has a CrCl and an eGFR threshold at 30: with only an eGFR, the alert names the
    eGFR band, not the CrCl band applied to an eGFR."""
    patient = {**COMPLETE, "scr_mg_dl": None, "egfr_ml_min": 25}
    report = evaluate_regimen(patient_from_data(patient), regimen_from(["metaxalone 800 mg tid"]))
    renal = [a for a in report.alerts if a.code == "MRX-RENAL-001"]
    assert len(renal) == 1 and "eGFR 25" in renal[0].summary and "(no CrCl)" not in renal[0].summary


def test_a_current_medication_replaced_by_an_order_of_its_drug_is_said() -> None:
    """An order for baclofen while the record has baclofen is read as a dose change (the
    current one is replaced): said, because if both are meant the sum was not checked (40 + 40
    mg/day would be within the 80 mg/day maximum, 60 + 40 would not)."""
    patient = patient_from_data({**COMPLETE, "medications": ["baclofen 20 mg tid"]})
    report = evaluate_regimen(patient, regimen_from(["baclofen 10 mg qid"]))
    items = [n for n in report.not_checked if n.reason == "replaced_medication"]
    assert [n.item for n in items] == ["baclofen 20 mg tid"]
    assert "baclofen 10 mg qid" in items[0].detail
    # Another drug is not replaced; no item.
    assert "replaced_medication" not in reasons(
        {**COMPLETE, "medications": ["tizanidine 2 mg tid"]}, ["baclofen 10 mg tid"]
    )


def test_breastfeeding_on_a_drug_whose_label_says_nothing_about_it_is_said() -> None:
    """The orphenadrine label has no nursing section (lactation: [] in its monograph): for a
    breastfeeding patient the check had nothing to judge by and said nothing at all."""
    lactating = {**COMPLETE, "lactating": True}
    report = evaluate_regimen(
        patient_from_data(lactating), regimen_from(["orphenadrine 100 mg bid"])
    )
    items = [n for n in report.not_checked if n.reason == "no_label_statement"]
    assert [n.item for n in items] == ["orphenadrine"]
    assert "breastfeeding" in items[0].detail
    # A drug with a lactation statement gets the alert (MRX-POP-003), not this item.
    assert "no_label_statement" not in reasons(lactating, ["baclofen 5 mg tid"])
    assert "no_label_statement" not in reasons(COMPLETE, ["orphenadrine 100 mg bid"])


def test_a_new_intrathecal_rate_or_a_drug_without_dose_checks_is_not_said_replaced() -> None:
    """A pump runs one rate (a new one replaces it: no 'combined dose'), and a drug without a
    monograph has no dose checked at all: neither gets a replaced_medication item."""
    pump = patient_from_data({**COMPLETE, "medications": ["baclofen 350 mcg/day intrathecal"]})
    report = evaluate_regimen(pump, regimen_from(["baclofen 400 mcg/day intrathecal"]))
    assert "replaced_medication" not in {n.reason for n in report.not_checked}
    other = patient_from_data({**COMPLETE, "medications": ["lisinopril 10 mg daily"]})
    report = evaluate_regimen(other, regimen_from(["lisinopril 20 mg daily"]))
    assert "replaced_medication" not in {n.reason for n in report.not_checked}


def test_a_child_on_a_drug_whose_label_is_silent_on_children_is_said() -> None:
    """Chlorzoxazone's label gives neither a minimum age nor pediatric dosing: a child's dose was
    checked against the adult dosing only, and that is said; a drug whose label sets a minimum
    age says it with MRX-POP-001 below it and nothing above it."""
    from myorelax.clinical.inputs import patient_from_data, regimen_from
    from myorelax.safety.engine import evaluate_regimen

    child = patient_from_data(
        {"age_years": 8, "sex": "male", "weight_kg": 25, "crcl_ml_min": 100, "allergies": []}
    )
    report = evaluate_regimen(child, regimen_from(["chlorzoxazone 250 mg tid"]))
    said = [n for n in report.not_checked if n.reason == "no_label_statement"]
    assert len(said) == 1 and said[0].item == "age"
    assert "chlorzoxazone label gives no pediatric dosing" in said[0].detail
    report = evaluate_regimen(child, regimen_from(["cyclobenzaprine 5 mg tid"]))
    assert not [n for n in report.not_checked if n.reason == "no_label_statement"]
    assert "MRX-POP-001" in {a.code for a in report.alerts}
