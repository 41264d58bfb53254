"""Tizanidine with oral contraceptives (Zanaflex 7.4, 12.3: 50% lower clearance, not
recommended together): the knowledge base stands for the pills by their estrogen. A pill made
with mestranol (norethindrone / mestranol) raised nothing, since only ethinyl estradiol was
listed."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


@pytest.mark.parametrize(
    ("pill", "estrogen"),
    [
        ("norethindrone / mestranol 1 mg/0.05 mg daily", "mestranol"),
        ("levonorgestrel / ethinyl estradiol 0.15 mg/0.03 mg daily", "ethinyl estradiol"),
    ],
)
def test_a_combined_pill_raises_the_major_interaction(pill: str, estrogen: str) -> None:
    patient = patient_from_data({"age_years": 30, "sex": "female", "medications": [pill]})
    report = evaluate_regimen(patient, regimen_from(["tizanidine 2 mg q8h"]))
    found = [a for a in report.alerts if a.code == "MRX-DDI-001" and estrogen in a.drugs]
    assert found and found[0].severity == "major"
    assert found[0].exposure is not None and found[0].exposure.auc_ratio == 2


@pytest.mark.parametrize(
    "pill",
    ["oral contraceptive daily", "birth control pill", "OCP", "oral contraceptive 1 tab daily"],
)
def test_the_class_written_as_a_medication_raises_it_too(pill: str) -> None:
    """The label's caution is of oral contraceptives as a class: a medication list that says
    only that ('OCP') was 'not a drug known here' and the interaction went unchecked."""
    patient = patient_from_data({"age_years": 30, "sex": "female", "medications": [pill]})
    report = evaluate_regimen(patient, regimen_from(["tizanidine 2 mg q8h"]))
    assert any(a.code == "MRX-DDI-001" and "ethinyl estradiol" in a.drugs for a in report.alerts)
