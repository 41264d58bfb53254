"""Numbers in a FHIR record that are not readable ones (audit): a NaN, an infinity (``1e400``
parses to one), an integer beyond a float, or an absurd dose make that one value unread, said as
a not-checked item naming the resource and the field; every other finding still stands."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest

from myorelax.fhir.importing import FhirRecord, orders_from_fhir, record_from_fhir
from myorelax.fhir.reading import number, unreadable_number
from tests.fhir.helpers import UCUM, bundle, med_request, observation, patient, per_day

TODAY = date(2022, 6, 1)
CARISOPRODOL = ("197446", "carisoprodol 350 MG Oral Tablet")
OXYCODONE = ("1049621", "oxycodone hydrochloride 5 MG Oral Tablet")


def record(*resources: dict[str, Any]) -> FhirRecord:
    return record_from_fhir(bundle(patient(), *resources), today=TODAY)


def carisoprodol(value: Any, **extra: Any) -> dict[str, Any]:
    return med_request(
        CARISOPRODOL[1], rid="c", code=CARISOPRODOL[0], dosage=per_day(3, value=value, unit="mg"),
        **extra,
    )  # fmt: skip


def oxycodone() -> dict[str, Any]:
    return med_request(
        OXYCODONE[1], rid="o", code=OXYCODONE[0], dosage=per_day(4, value=5, unit="mg")
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400])
def test_number_refuses_what_is_not_a_finite_float(value: Any) -> None:
    """NaN, infinity and an integer too large for a float are not numbers the reader uses, and
    `unreadable_number` tells them from a value that is simply absent or not a number."""
    assert number(value) is None and unreadable_number(value)
    assert not unreadable_number(None) and not unreadable_number("5")
    assert number(5) == 5.0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400])
def test_an_unreadable_dose_is_one_not_checked_dose_and_the_rest_is_read(value: Any) -> None:
    """The audit's `nan_dose` / `inf_dose`: the carisoprodol is kept (drug and frequency, no
    dose), its dose is a not-checked item naming the resource and the field, and the oxycodone
    beside it is read as before (no exception loses the record)."""
    r = record(carisoprodol(value), oxycodone())
    cari, oxy = r.patient.medications
    assert cari.drug == "carisoprodol" and cari.dose is None and cari.doses_per_day == 3
    assert oxy.drug == "oxycodone" and oxy.dose_mg == 5
    (item,) = [n for n in r.patient.not_checked if n.kind == "dose"]
    assert item.reason == "no_dose"
    assert "MedicationRequest c" in item.detail
    assert "doseAndRate[0].doseQuantity.value" in item.detail


def test_a_nan_parsed_from_json_text_is_unreadable() -> None:
    """The JSON text a sender's serializer writes (``NaN``, ``1e400``), parsed as the service
    does, gives the same not-checked dose, not a traceback."""
    text = json.dumps(bundle(patient(), carisoprodol(12345))).replace("12345", "1e400")
    r = record_from_fhir(json.loads(text), today=TODAY)
    assert r.patient.medications[0].dose is None
    assert any("dose value inf" in n.detail for n in r.patient.not_checked)


def test_an_absurd_dose_is_not_read() -> None:
    """1e9 mg in one dose is a broken number, not a dose: not checked, said, not passed on."""
    r = record(carisoprodol(1e9))
    (order,) = r.patient.medications
    assert order.dose is None
    (item,) = [n for n in r.patient.not_checked if n.kind == "dose"]
    assert "not a plausible single dose" in item.detail


def test_an_unreadable_stu3_dose_names_the_dosage_field() -> None:
    """STU3 puts doseQuantity on the Dosage: the field named is ``doseQuantity.value``."""
    dosage = {
        "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
        "doseQuantity": {"value": math.nan, "unit": "mg", "system": UCUM, "code": "mg"},
    }
    r = record(med_request(CARISOPRODOL[1], rid="c", code=CARISOPRODOL[0], dosage=dosage))
    (item,) = [n for n in r.patient.not_checked if n.kind == "dose"]
    assert "(doseQuantity.value)" in item.detail


def test_an_unreadable_dose_of_a_drug_without_dose_limits_is_still_said() -> None:
    """Oxycodone has no dose rules here, yet its NaN dose is a not-checked item all the same."""
    r = record(med_request(OXYCODONE[1], rid="o", code=OXYCODONE[0],
                           dosage=per_day(4, value=math.nan, unit="mg")))  # fmt: skip
    (item,) = r.patient.not_checked
    assert item.kind == "dose" and "MedicationRequest o" in item.detail


def test_an_unreadable_frequency_reads_no_frequency() -> None:
    """A NaN frequency is not taken as once a day: the timing is unread (said), the order is
    the drug only, and its dose limits are a not-checked item naming timing.repeat."""
    dosage = per_day(3, value=350, unit="mg")
    dosage["timing"]["repeat"]["frequency"] = math.nan
    r = record(med_request(CARISOPRODOL[1], rid="c", code=CARISOPRODOL[0], dosage=dosage))
    (order,) = r.patient.medications
    assert order.frequency is None
    (item,) = [n for n in r.patient.not_checked if n.kind == "dose"]
    assert "timing.repeat" in item.detail


def test_an_absurdly_large_frequency_does_not_divide_by_zero() -> None:
    """frequency 1e300 a day rounds to an interval of 0 hours: said as not checkable, no
    ZeroDivisionError."""
    dosage = per_day(3, value=350, unit="mg")
    dosage["timing"]["repeat"]["frequency"] = 1e300
    r = record(med_request(CARISOPRODOL[1], rid="c", code=CARISOPRODOL[0], dosage=dosage))
    (order,) = r.patient.medications
    assert order.frequency is None
    assert any("cannot be checked here" in n for n in r.notes)


def test_a_draft_order_with_a_nan_dose_is_kept_and_said() -> None:
    """The order-sign path: the draft is still checked (drug, frequency) and its dose is said
    as not checked."""
    drafts = orders_from_fhir(bundle(carisoprodol(math.nan, status="draft")))
    (order,) = drafts.orders
    assert order.drug == "carisoprodol" and order.dose is None
    assert [n.kind for n in drafts.not_checked] == ["dose"]


def test_an_unreadable_observation_value_is_said_and_an_earlier_one_used() -> None:
    """A NaN serum creatinine is not used: a not-checked item names the Observation and field,
    and the earlier readable creatinine stands."""
    bad = observation("2160-0", math.nan, "mg/dL", "2022-05-01", oid="bad")
    good = observation("2160-0", 1.1, "mg/dL", "2022-01-01", oid="good")
    r = record(bad, good)
    assert r.patient.scr_mg_dl == 1.1
    (item,) = r.patient.not_checked
    assert item.reason == "unreadable_value" and item.item == "serum creatinine"
    assert "Observation bad" in item.detail and "valueQuantity.value" in item.detail


@pytest.mark.parametrize("value", [float("inf"), 10**400])
def test_an_unreadable_weight_is_said(value: Any) -> None:
    """An infinite weight (or one beyond a float) is said, not silently skipped."""
    r = record(observation("29463-7", value, "kg", "2022-05-01", oid="w"))
    assert r.patient.weight_kg is None
    assert [n.item for n in r.patient.not_checked] == ["weight"]


def test_an_unreadable_days_supply_leaves_the_dispense_possibly_current() -> None:
    """A NaN daysSupply is not read (a note names the field); the dispense, handed over within
    the window, is checked as possibly current and that is said."""
    dispensed = {
        "resourceType": "MedicationDispense",
        "id": "d",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "alprazolam 0.5 MG Oral Tablet"},
        "whenHandedOver": "2022-05-20",
        "daysSupply": {"value": math.nan, "code": "d", "system": UCUM},
    }
    r = record(dispensed)
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    assert any("daysSupply.value" in n for n in r.notes)
    assert [n.reason for n in r.patient.not_checked] == ["possibly_current"]
