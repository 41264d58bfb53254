"""A co-medication written as prescribers shorten it is checked for what it holds: 'Tylenol #3'
is acetaminophen with codeine, an opioid, so cyclobenzaprine beside it raises the CNS-depressant
interaction (read as acetaminophen alone, it raised nothing and said only that the dose was not
read)."""

from __future__ import annotations

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


def test_tylenol_number_3_beside_a_relaxant_is_an_opioid() -> None:
    patient = patient_from_data(
        {
            "age_years": 45,
            "sex": "male",
            "crcl_ml_min": 90,
            "allergies": [],
            "medications": ["Tylenol #3 1 tab q4h prn"],
        }
    )
    report = evaluate_regimen(patient, regimen_from(["cyclobenzaprine 5 mg tid"]))
    pairs = {(a.code, a.drugs) for a in report.alerts}
    assert ("MRX-DDI-003", ("cyclobenzaprine", "codeine")) in pairs
    assert not [n for n in report.not_checked if n.item.startswith("Tylenol")]
