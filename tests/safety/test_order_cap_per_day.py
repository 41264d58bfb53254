"""An order's own cap per day is part of the order. The tizanidine label (Zanaflex 2.1) has doses
repeated at 6 to 8 hour intervals as needed, at most three doses in 24 hours: 'tizanidine 4 mg
q6h prn, max 3 doses/day' is that instruction, and was flagged as more often than the label
allows (MRX-DOSE-003) because the cap was passed over and q6h counted as four doses. Without the
cap, or with a cap above the label's, the alert stands."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


def _codes(order: str) -> set[str]:
    patient = patient_from_data({"age_years": 50, "egfr_ml_min": 90, "allergies": []})
    return {a.code for a in evaluate_regimen(patient, regimen_from([order])).alerts}


@pytest.mark.parametrize(
    ("order", "too_often"),
    [
        ("tizanidine 4 mg q6h prn spasm, max 3 doses/day", False),
        ("tizanidine 4 mg q6-8h prn (max 3 doses/24 hours)", False),
        ("tizanidine 4 mg q6h prn", True),  # four a day
        ("tizanidine 4 mg q6h prn, max 4 doses/day", True),  # a cap above the label's
        ("tizanidine 4 mg q6h prn, max 3 doses", True),  # a cap not said per day
    ],
)
def test_the_cap_decides_how_often(order: str, too_often: bool) -> None:
    assert ("MRX-DOSE-003" in _codes(order)) is too_often


def test_a_milligram_cap_decides_the_daily_total() -> None:
    """Cyclobenzaprine's labelled maximum is 30 mg a day (Flexeril 2): 10 mg q6h allows 40 mg,
    unless the order caps the day at 30 mg."""
    assert "MRX-DOSE-002" in _codes("cyclobenzaprine 10 mg q6h prn")
    assert "MRX-DOSE-002" not in _codes("cyclobenzaprine 10 mg q6h prn, max 30 mg/day")
