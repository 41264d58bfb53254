"""Small builders of FHIR R4 resources for the adapter tests, and the Synthea fixtures."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
DELBERT_ID = "276e0848-caaf-4e0e-96ed-0d1f238b6ce8"


@cache
def _load(name: str) -> str:
    return (FIXTURES / f"{name}-synthea-r4.json").read_text(encoding="utf-8")


def synthea(name: str) -> dict[str, Any]:
    """A fresh copy of a Synthea bundle (tests may change it)."""
    data: dict[str, Any] = json.loads(_load(name))
    return data


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in resources]}


def patient(pid: str = "p1", birth: str = "1950-06-15", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": gender}


def observation(
    loinc: str, value: float, unit: str, when: str, *, oid: str = "o", status: str = "final"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def condition(
    code: str,
    display: str,
    *,
    system: str = SNOMED,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    cid: str = "c",
) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": "Patient/p1"},
    }
    if clinical:
        r["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        r["verificationStatus"] = {"coding": [{"code": verification}]}
    return r


def med_request(
    display: str | None,
    *,
    rid: str = "mr1",
    code: str = "000",
    status: str = "active",
    dosage: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2022-01-10",
    }
    if display is not None:
        r["medicationCodeableConcept"] = {
            "coding": [{"system": RXNORM, "code": code, "display": display}],
            "text": display,
        }
    if dosage is not None:
        r["dosageInstruction"] = [dosage]
    r.update(extra)
    return r


def per_day(
    n: int,
    *,
    value: float | None = None,
    unit: str | None = None,
    prn: bool = False,
) -> dict[str, Any]:
    d: dict[str, Any] = {"timing": {"repeat": {"frequency": n, "period": 1, "periodUnit": "d"}}}
    if value is not None:
        q: dict[str, Any] = {"value": value}
        if unit is not None:
            q.update(unit=unit, system=UCUM, code=unit)
        d["doseAndRate"] = [{"doseQuantity": q}]
    if prn:
        d["asNeededBoolean"] = True
    return d
