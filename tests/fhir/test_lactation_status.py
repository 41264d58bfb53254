"""Breastfeeding from a FHIR record: the latest breastfeeding status Observation (LOINC 63895-7
or SNOMED CT 413712001, valued with LOINC's 'Currently breastfeeding' / 'Not currently
breastfeeding' answers or a boolean, as published IGs write it). It was not read: a record
that said the mother breastfeeds gave only 'breastfeeding status not recorded', and the
lactation statement for carisoprodol (milk transfer, infant sedation; label section 8.2) was
not applied."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax.clinical.inputs import regimen_from
from myorelax.fhir.importing import record_from_fhir
from myorelax.safety.engine import evaluate_regimen

TODAY = date(2026, 12, 1)
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def bundle(*resources: dict[str, Any], gender: str = "female") -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p1", "gender": gender, "birthDate": "1993-02-01"}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}]
        + [{"resource": {**r, "subject": {"reference": "Patient/p1"}}} for r in resources],
    }


def status(
    value: dict[str, Any], *, code: tuple[str, str] = (LOINC, "63895-7"), when: str = "2026-11-20"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{when}",
        "status": "final",
        "code": {"coding": [{"system": code[0], "code": code[1]}]},
        "effectiveDateTime": when,
        **value,
    }


def answer(code: str, display: str) -> dict[str, Any]:
    return {
        "valueCodeableConcept": {"coding": [{"system": LOINC, "code": code, "display": display}]}
    }


@pytest.mark.parametrize(
    ("observation", "lactating"),
    [
        (status(answer("LA29252-6", "Currently breastfeeding")), True),
        (status(answer("LA29253-4", "Not currently breastfeeding")), False),
        (status({"valueBoolean": True}, code=(SNOMED, "413712001")), True),
        (status({"valueBoolean": False}, code=(SNOMED, "413712001")), False),
        (status({"valueCodeableConcept": {"text": "ask again"}}), None),
    ],
)
def test_the_breastfeeding_status_is_read(
    observation: dict[str, Any], lactating: bool | None
) -> None:
    rec = record_from_fhir(bundle(observation), today=TODAY)
    assert rec.patient.lactating is lactating
    said = [n for n in rec.notes if "breastfeeding" in n]
    assert said, rec.notes
    if lactating is None:
        assert "not read" in said[0]


def test_the_latest_status_wins() -> None:
    rec = record_from_fhir(
        bundle(
            status(answer("LA29252-6", "Currently breastfeeding"), when="2026-03-01"),
            status(answer("LA29253-4", "Not currently breastfeeding"), when="2026-11-01"),
        ),
        today=TODAY,
    )
    assert rec.patient.lactating is False


def test_a_breastfeeding_record_applies_the_lactation_statement() -> None:
    order = regimen_from(["carisoprodol 350 mg tid"])
    fed = record_from_fhir(
        bundle(status(answer("LA29252-6", "Currently breastfeeding"))), today=TODAY
    )
    report = evaluate_regimen(fed.patient, order)
    assert any(a.code == "MRX-POP-003" for a in report.alerts)
    assert not any(n.reason == "missing_lactation_status" for n in report.not_checked)

    silent = record_from_fhir(bundle(), today=TODAY)
    report = evaluate_regimen(silent.patient, order)
    assert not any(a.code == "MRX-POP-003" for a in report.alerts)
    assert any(n.reason == "missing_lactation_status" for n in report.not_checked)


def test_breastfeeding_recorded_for_a_male_patient_is_said_and_not_used() -> None:
    rec = record_from_fhir(
        bundle(status(answer("LA29252-6", "Currently breastfeeding")), gender="male"), today=TODAY
    )
    assert rec.patient.lactating is None
    assert any("recorded as male; not used" in n for n in rec.notes)
