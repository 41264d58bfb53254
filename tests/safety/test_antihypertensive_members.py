"""Tizanidine's labelled caution with antihypertensives (Zanaflex 5.1, MRX-DDI-005) reaches every
WHO ATC antihypertensive class, not only the common members the group first listed: a beta
blocker such as nadolol, a calcium channel blocker such as nicardipine, a thiazide, an ACE
inhibitor or a renin inhibitor written beside tizanidine raised nothing, and was not said to be
unchecked either (the names resolve, as ingredients of the product index, with no class)."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


@pytest.mark.parametrize(
    ("medication", "ingredient"),
    [
        ("nadolol 40 mg daily", "nadolol"),  # C07, RxCUI confirmed in the product index
        ("Corgard 40 mg daily", "nadolol"),  # its brand
        ("pindolol 5 mg bid", "pindolol"),  # C07, matched by name
        ("nicardipine 20 mg tid", "nicardipine"),  # C08
        ("felodipine 5 mg daily", "felodipine"),
        ("chlorothiazide 500 mg daily", "chlorothiazide"),  # C03
        ("quinapril 10 mg daily", "quinapril"),  # C09
        ("aliskiren 150 mg daily", "aliskiren"),  # C09XA
    ],
)
def test_each_antihypertensive_class_raises_the_hypotension_alert(
    medication: str, ingredient: str
) -> None:
    patient = patient_from_data({"age_years": 50, "medications": [medication]})
    report = evaluate_regimen(patient, regimen_from(["tizanidine 2 mg q8h"]))
    assert any(a.code == "MRX-DDI-005" and ingredient in a.drugs for a in report.alerts), [
        (a.code, a.drugs) for a in report.alerts
    ]


def test_a_drug_outside_the_class_does_not_raise_it() -> None:
    patient = patient_from_data({"age_years": 50, "medications": ["atorvastatin 20 mg daily"]})
    report = evaluate_regimen(patient, regimen_from(["tizanidine 2 mg q8h"]))
    assert not any(a.code == "MRX-DDI-005" for a in report.alerts)
