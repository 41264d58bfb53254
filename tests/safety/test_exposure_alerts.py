"""The safety check puts the simulator's exposure ratios into its alerts (issue 4, item 8)."""

from __future__ import annotations

import pytest

from myorelax import evaluate_regimen, patient_from_data, regimen_from


def alerts(patient: dict, orders: list[str]) -> dict[str, object]:
    report = evaluate_regimen(patient_from_data(patient), regimen_from(orders, []))
    return {a.code: a for a in report.alerts}


def test_renal_alert_carries_simulated_exposure() -> None:
    a = alerts({"crcl_ml_min": 35}, ["baclofen 10 mg tid"])["MRX-RENAL-001"]
    assert a.exposure is not None  # type: ignore[attr-defined]
    assert a.exposure.auc_ratio == pytest.approx(1 / (0.163 + 0.837 * 35 / 100), rel=2e-3)  # type: ignore[attr-defined]
    assert 1 < a.exposure.cmax_ratio < a.exposure.auc_ratio  # type: ignore[attr-defined]
    assert "Simulated versus a typical adult" in a.detail  # type: ignore[attr-defined]


def test_dialysis_alert_carries_simulated_exposure() -> None:
    """Baclofen on dialysis: no renal clearance between sessions, CL/F x0.163 (AUC x6.1)."""
    a = alerts({"dialysis": True}, ["baclofen 10 mg tid"])["MRX-RENAL-002"]
    assert a.exposure is not None  # type: ignore[attr-defined]
    assert a.exposure.auc_ratio == pytest.approx(1 / 0.163, rel=2e-3)  # type: ignore[attr-defined]
    assert "Simulated versus a typical adult" in a.detail  # type: ignore[attr-defined]


def test_genotype_alert_keeps_the_label_ratio_and_adds_the_peak() -> None:
    a = alerts({"cyp2c19": "PM"}, ["carisoprodol 350 mg tid"])["MRX-PGX-001"]
    assert a.exposure.auc_ratio == 4.0  # type: ignore[attr-defined]
    assert a.exposure.cmax_ratio is not None and 2 < a.exposure.cmax_ratio < 4  # type: ignore[attr-defined]
    assert "meprobamate AUC x0.5" in a.detail  # type: ignore[attr-defined]


def test_interaction_alert_reports_observed_and_simulated() -> None:
    a = alerts({"medications": ["ciprofloxacin 500 mg bid"]}, ["tizanidine 2 mg tid"])[
        "MRX-DDI-001"
    ]
    assert a.exposure.auc_ratio == 10.0 and a.exposure.cmax_ratio == 7.0  # type: ignore[attr-defined]
    assert "simulated tizanidine exposure" in a.exposure.basis  # type: ignore[attr-defined]


def test_kidney_failure_without_a_crcl_gives_an_at_least_exposure() -> None:
    """ESRD recorded, no laboratory value: the kidney alert quotes the exposure at CrCl 15 (the top
    of GFR category G5) as a lower bound, never nothing."""
    patient = {"age_years": 58, "sex": "male", "weight_kg": 80, "conditions": ["N18.6"]}
    a = alerts(patient, ["baclofen 10 mg tid"])["MRX-RENAL-001"]
    assert a.exposure is not None  # type: ignore[attr-defined]
    assert a.exposure.auc_ratio == pytest.approx(1 / (0.163 + 0.837 * 15 / 100), rel=2e-3)  # type: ignore[attr-defined]
    assert "AUC at least x" in a.detail  # type: ignore[attr-defined]
    assert "lower bound" in a.detail and "CrCl 15 mL/min" in a.detail  # type: ignore[attr-defined]
    assert "AUC at least x" in a.exposure.basis  # type: ignore[attr-defined]
