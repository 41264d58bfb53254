"""A Medication resource's ingredient strength is read. EHRs send the product as a Medication
whose code names no strength ('Baclofen oral tablet') and whose ingredient carries it as a Ratio
(10 mg per 1 TAB; 5 mg per 5 mL, FHIR R4 Medication.ingredient.strength). The dose in tablets
or mL was 'the strength is not in the record' and the dose limits went unchecked."""

from __future__ import annotations

from typing import Any

import pytest

from myorelax.fhir.importing import orders_from_fhir
from myorelax.fhir.medications import ingredient_strength
from tests.fhir.helpers import RXNORM, UCUM

FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"


def _ratio(mg: float, per: float | None, unit: str | None, system: str = UCUM) -> dict[str, Any]:
    r: dict[str, Any] = {"numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}}
    if per is not None:
        r["denominator"] = {"value": per, "unit": unit, "system": system, "code": unit}
    return r


def _request(strength: dict[str, Any], dose: dict[str, Any], code: bool = True) -> dict[str, Any]:
    med: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "m1",
        "ingredient": [
            {
                "itemCodeableConcept": {
                    "coding": [{"system": RXNORM, "code": "1292", "display": "baclofen"}]
                },
                "strength": strength,
            }
        ],
    }
    if code:
        med["code"] = {"text": "Baclofen oral product"}
    return {
        "resourceType": "MedicationRequest",
        "id": "mr1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "contained": [med],
        "medicationReference": {"reference": "#m1"},
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": dose}],
            }
        ],
    }


@pytest.mark.parametrize("code", [True, False])
@pytest.mark.parametrize(
    ("strength", "dose", "mg"),
    [
        (
            _ratio(10, 1, "TAB", FORM),
            {"value": 2, "unit": "TAB", "system": FORM, "code": "TAB"},
            20,
        ),
        (_ratio(10, None, None), {"value": 1, "unit": "tablet"}, 10),
        (_ratio(5, 5, "mL"), {"value": 10, "unit": "mL", "system": UCUM, "code": "mL"}, 10),
        (_ratio(25, 5, "mL"), {"value": 4, "unit": "mL", "system": UCUM, "code": "mL"}, 20),
    ],
)
def test_the_strength_of_the_medication_resource_makes_the_dose(
    strength: dict[str, Any], dose: dict[str, Any], mg: float, code: bool
) -> None:
    read = orders_from_fhir([_request(strength, dose, code=code)])
    assert [o.dose_mg for o in read.orders] == [mg]
    assert not read.not_checked


def test_a_strength_that_is_not_per_unit_or_volume_is_not_read() -> None:
    assert ingredient_strength(_ratio(10, 2, "TAB", FORM)) is None  # two tablets: not per unit
    assert ingredient_strength(_ratio(10, 1, "g")) is None  # a cream's mg per g
    assert ingredient_strength(_ratio(10, 1, "TAB", FORM)) == (10, "mg")
    assert ingredient_strength(_ratio(5, 5, "mL")) == (1, "mg/mL")
    read = orders_from_fhir(
        [_request(_ratio(10, 2, "TAB", FORM), {"value": 1, "unit": "TAB", "code": "TAB"})]
    )
    assert [o.dose_mg for o in read.orders] == [None]
    assert [n.reason for n in read.not_checked] == ["no_dose"]
