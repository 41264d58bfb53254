"""Doses the knowledge base has no limits for are said, never passed in silence.

A dose by a route the drug has no labelled dosing for here (diazepam IV or as Valtoco nasal
spray: products with no dosing entry; tizanidine 'PR', cyclobenzaprine 'IM': no product by that
route at all) was checked against nothing and the screen stayed clean. A dose per kg of body
weight (dantrolene 2.5 mg/kg IV, Ryanodex 2) was refused as 'not a dose'; it is the mg it makes at
the patient's weight, and without a weight its limits are said to be unchecked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.alert import CheckReport
from myorelax.safety.engine import evaluate_regimen

KB = load_knowledge()
TODAY = date(2026, 12, 7)


def _report(order: str, **extra: Any) -> CheckReport:
    data: dict[str, Any] = {"age_years": 40, "sex": "male", "egfr_ml_min": 90, "allergies": []}
    data.update(extra)
    patient = patient_from_data(data)
    return evaluate_regimen(patient, regimen_from([order], [], start=TODAY), kb=KB, today=TODAY)


def _items(report: CheckReport, reason: str) -> list[str]:
    return [n.detail for n in report.not_checked if n.reason == reason]


@pytest.mark.parametrize(
    ("order", "said"),
    [
        (
            "diazepam 10 mg IV once",
            "no labelled intravenous dosing of diazepam (only its injection)",
        ),
        ("Valtoco 10 mg nasal once", "no labelled nasal dosing of diazepam (only its nasal spray)"),
        ("tizanidine 4 mg PR tid", "tizanidine has no rectal product here"),
        ("cyclobenzaprine 10 mg IM once", "cyclobenzaprine has no intramuscular product here"),
    ],
)
def test_a_route_without_labelled_dosing_is_said(order: str, said: str) -> None:
    items = _items(_report(order), "no_route_dosing")
    assert len(items) == 1 and said in items[0] and order in items[0]


@pytest.mark.parametrize(
    "order",
    ["diazepam 5 mg po tid", "baclofen 300 mcg/day intrathecal", "methocarbamol 1000 mg IV q8h"],
)
def test_a_route_with_labelled_dosing_says_nothing(order: str) -> None:
    assert not _items(_report(order), "no_route_dosing")


def test_a_dose_per_kg_is_checked_in_mg_at_the_weight() -> None:
    report = _report("dantrolene 1 mg/kg po bid", weight_kg=70)
    (order,) = report.orders
    assert order["dose"] == {"value": 70.0, "unit": "mg"}
    # 70 mg is not a sum of the 25, 50 and 100 mg capsules, and above the 25 mg start.
    assert {"MRX-DOSE-004", "MRX-DOSE-005"} <= {a.code for a in report.alerts}
    assert not _items(report, "missing_weight")


def test_a_dose_per_kg_without_a_weight_is_said() -> None:
    report = _report("dantrolene 2.5 mg/kg IV once")
    items = _items(report, "missing_weight")
    assert len(items) == 1 and "a dose per kg and no weight recorded" in items[0]
    assert not _items(report, "no_dose")
