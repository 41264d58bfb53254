"""A medication written as a class ('opioid prn', 'MAOI', 'benzo at night', as medication lists
and patients write them) was 'not a drug known here', and the relaxant's interactions with the
class went unchecked: cyclobenzaprine with an MAO inhibitor is contraindicated (Flexeril 4), with
opioids and benzodiazepines it adds CNS depression. It is now read as the class's stand-in
(groups/classes.yaml, flag class_stand_in): the class's interactions are checked, and the check
says that the drug's own were not."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


@pytest.mark.parametrize(
    ("med", "code", "severity"),
    [
        ("MAOI", "MRX-DDI-002", "contraindicated"),
        ("opioid prn", "MRX-DDI-002", "major"),
        ("benzo at night", "MRX-DDI-003", "major"),
    ],
)
def test_a_class_written_as_a_medication_takes_part_in_the_interactions(
    med: str, code: str, severity: str
) -> None:
    patient = patient_from_data(
        {"age_years": 50, "sex": "male", "egfr_ml_min": 90, "allergies": [], "medications": [med]}
    )
    report = evaluate_regimen(patient, regimen_from(["cyclobenzaprine 5 mg tid"]))
    assert any(a.code == code and a.severity == severity for a in report.alerts), report.alerts
    (said,) = [n for n in report.not_checked if n.reason == "class_only"]
    assert said.item == med and "not those of the drug itself" in said.detail
    assert not [n for n in report.not_checked if n.reason == "unknown_drug"]
