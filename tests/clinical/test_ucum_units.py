"""Units as EHRs send them (UCUM codes) read through the one pint registry (issue 19): the FHIR
reader keeps no conversion tables of its own for weight, height and eGFR."""

from __future__ import annotations

import pytest

from myorelax.fhir.importing import record_from_fhir
from myorelax.units import ucum_factor


@pytest.mark.parametrize(
    ("unit", "to", "factor"),
    [
        ("kg", "kg", 1.0),
        ("g", "kg", 0.001),
        ("[lb_av]", "kg", 0.45359237),
        ("lbs", "kg", 0.45359237),
        ("[oz_av]", "kg", 0.028349523125),
        ("cm", "cm", 1.0),
        ("m", "cm", 100.0),
        ("[in_i]", "cm", 2.54),
        ("[ft_i]", "cm", 30.48),
        ("mL/min/{1.73_m2}", "mL/min", 1.0),
    ],
)
def test_ucum_codes_convert(unit: str, to: str, factor: float) -> None:
    assert ucum_factor(unit, to) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(("unit", "to"), [("kg", "cm"), ("[in_i]", "kg"), ("stone-ish", "kg")])
def test_a_unit_of_another_dimension_or_unknown_is_not_read(unit: str, to: str) -> None:
    assert ucum_factor(unit, to) is None


def _obs(loinc: str, value: float, code: str) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": "2026-11-30",
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": code},
    }


def test_a_record_in_pounds_and_inches_is_read_in_kilograms_and_centimetres() -> None:
    bundle = [
        {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1950-01-01"},
        _obs("29463-7", 154.0, "[lb_av]"),
        _obs("8302-2", 65.0, "[in_i]"),
        _obs("98979-8", 48.0, "mL/min/{1.73_m2}"),
    ]
    patient = record_from_fhir(bundle).patient
    assert patient.weight_kg == pytest.approx(69.85, abs=0.01)
    assert patient.height_cm == pytest.approx(165.1, abs=0.01)
    assert patient.egfr_ml_min == pytest.approx(48.0)
