"""FHIR R4 in and out over HTTP: a Synthea record plus a draft order gives DetectedIssues;
input that is not FHIR gives an OperationOutcome naming the element."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.fhir_fakes import bundle_resources, med_request
from tests.api.server import Server

FHIR = "application/fhir+json"


def delbert_bundle(*extra: dict[str, Any]) -> dict[str, Any]:
    resources = bundle_resources("Delbert-synthea-r4.json") + list(extra)
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}  # fmt: skip


def test_draft_carisoprodol_in_a_synthea_record_gives_detected_issues(
    server: Server, clinician: dict[str, str]
) -> None:
    pid = next(r["id"] for r in bundle_resources("Delbert-synthea-r4.json")
               if r["resourceType"] == "Patient")  # fmt: skip
    draft = med_request("draft-soma", "carisoprodol 350 MG Oral Tablet", per_day=3,
                        dose_mg=350, patient=f"Patient/{pid}")  # fmt: skip
    r = httpx.post(server.base + "/api/v1/fhir/check", json=delbert_bundle(draft),
                   headers=clinician, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(FHIR)
    resources = [e["resource"] for e in r.json()["entry"]]
    issues = [x for x in resources if x["resourceType"] == "DetectedIssue"]
    ddi = [i for i in issues if i["code"]["coding"][0]["code"] == "MRX-DDI-003"]
    # What was not checked comes as an OperationOutcome of warnings, always the last entry.
    outcome = resources[-1]
    assert outcome["resourceType"] == "OperationOutcome"
    assert {i["severity"] for i in outcome["issue"]} <= {"warning", "information"}
    assert ddi and ddi[0]["severity"] == "high"
    refs = {x.get("reference") for x in ddi[0]["implicated"]}
    assert "MedicationRequest/draft-soma" in refs
    assert any(ref and ref.startswith("MedicationRequest/") and ref != "MedicationRequest/draft-soma"
               for ref in refs)  # the diazepam request  # fmt: skip
    assert ddi[0]["patient"]["reference"] == f"Patient/{pid}"


def test_reading_a_record(server: Server, clinician: dict[str, str]) -> None:
    r = httpx.post(server.base + "/api/v1/fhir/patient", json=delbert_bundle(), headers=clinician)
    body = r.json()
    assert body["patient"]["sex"] == "male"
    assert [m["drug"] for m in body["patient"]["medications"]] == ["diazepam"]
    assert body["notes"]


def test_not_fhir_is_an_operation_outcome(server: Server, clinician: dict[str, str]) -> None:
    r = httpx.post(server.base + "/api/v1/fhir/check", json={"hello": "world"}, headers=clinician)
    assert r.status_code == 422
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["body"]
    r = httpx.post(server.base + "/api/v1/fhir/check", json=delbert_bundle(), headers=clinician)
    assert r.status_code == 422 and "draft" in r.json()["issue"][0]["diagnostics"]
