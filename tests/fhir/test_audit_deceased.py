"""The record of a deceased patient (audit): the age is the age at death (it does not grow), and
that the patient died is a not-checked item, so every interface (CLI JSON, REST, the CDS "not
checked" card) says it rather than checking a 116-year-old."""

from __future__ import annotations

from datetime import date
from typing import Any

from myorelax.clinical.regimen import Regimen
from myorelax.clinical.sig import parse_medication
from myorelax.fhir.importing import FhirRecord, record_from_fhir
from myorelax.safety.engine import evaluate_regimen
from tests.fhir.helpers import bundle, patient

TODAY = date(2026, 12, 1)


def record(**person: Any) -> FhirRecord:
    p = patient(birth="1910-04-02", gender="male")
    p.update(person)
    return record_from_fhir(bundle(p), today=TODAY)


def deceased_items(r: FhirRecord) -> list[Any]:
    return [n for n in r.patient.not_checked if n.reason == "deceased_patient"]


def test_the_age_of_a_deceased_patient_is_the_age_at_death() -> None:
    """Died 1995-03-01, born 1910-04-02: age 84, not 116, and a not-checked item says the record
    is of a deceased patient with the date."""
    r = record(deceasedDateTime="1995-03-01T10:00:00Z")
    assert r.patient.age_years == 84
    (item,) = deceased_items(r)
    assert item.kind == "patient_fact" and item.item == "deceased patient"
    assert "died 1995-03-01" in item.detail and "age 84 is the age at death" in item.detail
    assert any("at the date of death 1995-03-01" in n for n in r.notes)


def test_a_deceased_patient_without_a_date_is_said() -> None:
    """deceasedBoolean true: no date of death, so the age is at the date checked; said."""
    r = record(birthDate="1950-01-01", deceasedBoolean=True)
    assert r.patient.age_years == 76
    (item,) = deceased_items(r)
    assert "date of death is not recorded" in item.detail


def test_a_deceased_date_that_is_not_a_date_is_said() -> None:
    """deceasedDateTime that cannot be read: the patient is still said to be deceased."""
    r = record(birthDate="1950-01-01", deceasedDateTime="unknown")
    (item,) = deceased_items(r)
    assert "'unknown', not a date" in item.detail


def test_a_death_after_the_date_checked_leaves_the_patient_alive_then() -> None:
    """Checking as of 2026-12-01 a patient who died in 2027: alive at that date (a note), age
    at the date checked, no deceased item."""
    r = record(birthDate="1950-01-01", deceasedDateTime="2027-05-01")
    assert r.patient.age_years == 76
    assert deceased_items(r) == []
    assert any("alive at the date checked" in n for n in r.notes)


def test_the_deceased_item_reaches_the_check_report() -> None:
    """The item travels the not-checked path: the report's `not_checked`, which the CLI JSON,
    the REST answer and the CDS not-checked card all show."""
    r = record(deceasedDateTime="1995-03-01")
    orders = parse_medication("carisoprodol 350 mg tid").orders
    report = evaluate_regimen(r.patient, Regimen(orders=tuple(orders)), today=TODAY)
    assert "deceased_patient" in [n.reason for n in report.not_checked]
