"""/api/v1/fhir/patient and /fhir/check read a FHIR Bundle (docs/api.md) (audit): another
resource (Parameters, a lone Observation or Patient) is refused with an OperationOutcome whose
expression names `resourceType`; a Bundle whose `entry` is not a list of entries (R4
Bundle.entry is a list of BackboneElements) names `Bundle.entry`; a Bundle without a Patient is
read, and the unknown age and sex are a not-checked item, not only a note."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.server import Server

DRAFT = {"resourceType": "MedicationRequest", "id": "d1", "status": "draft", "intent": "order",
         "medicationCodeableConcept": {"text": "carisoprodol 350 MG Oral Tablet"}}  # fmt: skip


def outcome_expression(r: httpx.Response) -> list[str]:
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert body["resourceType"] == "OperationOutcome"
    return list(body["issue"][0]["expression"])


@pytest.mark.parametrize("route", ["patient", "check"])
@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Parameters"},
        {"resourceType": "Observation", "status": "final"},
        {"resourceType": "Patient", "id": "p1", "gender": "male"},
    ],
)
def test_a_resource_that_is_not_a_bundle_is_refused(
    server: Server, clinician: dict[str, str], route: str, body: dict[str, Any]
) -> None:
    r = httpx.post(f"{server.base}/api/v1/fhir/{route}", json=body, headers=clinician)
    assert outcome_expression(r) == ["resourceType"]


@pytest.mark.parametrize(
    ("entry", "expression"),
    [({"a": 1}, "Bundle.entry"), (["x", 1], "Bundle.entry[0]"),
     ([{"resource": "x"}], "Bundle.entry[0].resource")],
)  # fmt: skip
def test_a_bundle_with_malformed_entries_is_refused(
    server: Server, clinician: dict[str, str], entry: Any, expression: str
) -> None:
    body = {"resourceType": "Bundle", "type": "collection", "entry": entry}
    r = httpx.post(f"{server.base}/api/v1/fhir/patient", json=body, headers=clinician)
    assert outcome_expression(r) == [expression]


def test_a_bundle_without_a_patient_says_so_in_not_checked(
    server: Server, clinician: dict[str, str]
) -> None:
    body = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": DRAFT}]}
    r = httpx.post(f"{server.base}/api/v1/fhir/patient", json=body, headers=clinician)
    assert r.status_code == 200
    missing = [n for n in r.json()["not_checked"] if n["reason"] == "missing_patient"]
    assert len(missing) == 1 and "age and sex unknown" in missing[0]["detail"]
    r = httpx.post(f"{server.base}/api/v1/fhir/check", json=body, headers=clinician)
    assert r.status_code == 200
    outcome = next(e["resource"] for e in r.json()["entry"]
                   if e["resource"]["resourceType"] == "OperationOutcome")  # fmt: skip
    codes = [c["code"] for i in outcome["issue"] for c in i["details"]["coding"]]
    assert "missing_patient" in codes
