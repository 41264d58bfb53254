"""The curated public API is pinned: changing it is a deliberate act."""

from __future__ import annotations

import myorelax

EXPECTED = [
    "Alert",
    "CheckReport",
    "DosingEvents",
    "InputError",
    "KidneyFunction",
    "KnowledgeBase",
    "KnowledgeError",
    "Monograph",
    "MyorelaxError",
    "NoModelError",
    "Order",
    "OutputGrid",
    "Patient",
    "PatientDataError",
    "PkModel",
    "PopulationSpec",
    "Regimen",
    "RegimenRequest",
    "RegimenSimulation",
    "SigParseError",
    "UnitError",
    "UnknownDrugError",
    "evaluate_regimen",
    "kidney_function",
    "load_knowledge",
    "model_for",
    "parse_sig",
    "patient_from_data",
    "regimen_from",
    "resolve_condition",
    "resolve_drug",
    "simulate",
    "simulate_regimen",
    "simulate_request",
    "validate_knowledge",
]


def test_all_is_sorted_and_pinned() -> None:
    assert myorelax.__all__ == sorted(myorelax.__all__)
    assert myorelax.__all__ == EXPECTED
    assert all(hasattr(myorelax, name) for name in myorelax.__all__)


def test_public_api_runs_a_check() -> None:
    patient = myorelax.patient_from_data({"age_years": 72, "sex": "female", "egfr_ml_min": 40})
    report = myorelax.evaluate_regimen(patient, myorelax.regimen_from(["baclofen 10 mg tid"]))
    assert "MRX-BEERS-002" in {a.code for a in report.alerts}
