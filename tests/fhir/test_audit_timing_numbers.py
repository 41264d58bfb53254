"""Numbers of a FHIR Dosage that are not the FHIR type they must be (audit): R4
Timing.repeat.frequency, frequencyMax, count are positiveInt, period a positive decimal, a dose a
positive Quantity value. A string ("three", "3"), a boolean, a null, a negative number or a
fraction where a whole number is required makes the timing (or dose) unreadable, said in a note
and a not-checked dose item: never read as the default of once a day. A missing frequency
still means 1 (R4 Timing: "frequency ... if missing, 1")."""

from __future__ import annotations

from typing import Any

import pytest

from myorelax.fhir.importing import orders_from_fhir
from myorelax.fhir.reading import number_problem
from tests.fhir.helpers import bundle

CARISOPRODOL_RXCUI = "2101"


def draft(repeat: dict[str, Any], dose: Any = 700, **dosage: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": "d1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": {"coding": [{
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
            "code": CARISOPRODOL_RXCUI, "display": "carisoprodol"}]},
        "dosageInstruction": [{
            "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg",
                                              "system": "http://unitsofmeasure.org",
                                              "code": "mg"}}],
            "timing": {"repeat": repeat}, **dosage}],
    }  # fmt: skip


@pytest.mark.parametrize("frequency", ["three", "3", -3, 0, 2.5, True, None])
def test_a_broken_frequency_is_not_once_a_day(frequency: Any) -> None:
    read = orders_from_fhir(bundle(draft({"frequency": frequency, "period": 1, "periodUnit": "d"})))
    assert all(o.frequency is None or o.frequency.doses_per_day != 1 for o in read.orders)
    assert "700 mg daily" not in " ".join(o.text for o in read.orders)
    assert any("frequency" in n and "is not a readable number" in n for n in read.notes)
    assert [n.reason for n in read.not_checked] == ["no_dose"]


@pytest.mark.parametrize(
    "repeat",
    [
        {"frequency": 3, "period": "1", "periodUnit": "d"},
        {"frequency": 3, "period": 0, "periodUnit": "d"},
        {"frequency": 3, "period": 1, "periodMax": -2, "periodUnit": "d"},
        {"frequency": 3, "frequencyMax": "4", "period": 1, "periodUnit": "d"},
        {"frequency": 1, "count": False},
        {"frequency": 3, "period": 1, "periodUnit": "d", "duration": "x", "durationUnit": "h"},
    ],
)
def test_every_timing_number_is_checked(repeat: dict[str, Any]) -> None:
    read = orders_from_fhir(bundle(draft(repeat)))
    assert any("(timing.repeat) is not a readable number" in n for n in read.notes)
    assert [n.reason for n in read.not_checked] == ["no_dose"]


@pytest.mark.parametrize("dose", ["700", True, None, -700, 0])
def test_a_broken_dose_value_is_said(dose: Any) -> None:
    read = orders_from_fhir(bundle(draft({"frequency": 3, "period": 1, "periodUnit": "d"}, dose)))
    assert all(o.dose is None for o in read.orders)
    assert any("is not a readable number" in n for n in read.notes)
    assert [n.reason for n in read.not_checked] == ["no_dose"]


def test_a_missing_frequency_is_once_and_whole_floats_are_read() -> None:
    """R4: a missing frequency means 1; 3.0 is the JSON number 3."""
    once = orders_from_fhir(bundle(draft({"period": 1, "periodUnit": "d"})))
    assert once.orders[0].frequency is not None and once.orders[0].frequency.doses_per_day == 1
    assert not once.not_checked
    tid = orders_from_fhir(bundle(draft({"frequency": 3.0, "period": 1, "periodUnit": "d"})))
    assert tid.orders[0].frequency is not None and tid.orders[0].frequency.doses_per_day == 3


def test_a_broken_low_dose_is_said() -> None:
    """A doseRange is read by its upper end; a low end that is not a number is said."""
    d = draft({"frequency": 3, "period": 1, "periodUnit": "d"})
    d["dosageInstruction"][0]["doseAndRate"] = [
        {
            "doseRange": {
                "low": {"value": "a lot", "unit": "mg"},
                "high": {"value": 700, "unit": "mg"},
            }
        }
    ]
    read = orders_from_fhir(bundle(d))
    assert any("low" in n and "is not a readable number" in n for n in read.notes)
    assert [n.reason for n in read.not_checked] == ["no_dose"]


def test_number_problem() -> None:
    assert number_problem({}, "frequency", integer=True, positive=True) is None
    assert number_problem({"f": 3}, "f", integer=True, positive=True) is None
    assert number_problem({"f": "3"}, "f") == "a JSON string, not a number"
    assert number_problem({"f": True}, "f") == "a JSON boolean, not a number"
    assert number_problem({"f": 0}, "f", positive=True) == "not positive"
    assert number_problem({"f": 1.5}, "f", integer=True) == "not a whole number"
