"""FHIR R4 in and out: a patient's record (a Bundle) read into what the checks know, and a check
of its draft MedicationRequests answered as DetectedIssues. Errors are OperationOutcomes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from myorelax.api.deps import AppState, State, User
from myorelax.api.errors import PROBLEM, problem_responses
from myorelax.clinical.regimen import Regimen
from myorelax.errors import InputError, MyorelaxError
from myorelax.fhir.exporting import detected_issues, not_checked_outcome, validate_r4
from myorelax.fhir.importing import orders_from_fhir, record_from_fhir, resources_of
from myorelax.reports.views import to_jsonable
from myorelax.safety.engine import evaluate_regimen

router = APIRouter(prefix="/api/v1/fhir", tags=["fhir"])
FHIR_JSON = "application/fhir+json"
OUTCOME: dict[int | str, dict[str, Any]] = {
    **problem_responses(401, 413),
    422: {
        "description": "An OperationOutcome naming the element (a body that is not a JSON "
        "object: problem details)",
        "content": {
            FHIR_JSON: {"schema": {"type": "object"}},
            PROBLEM: {"schema": {"type": "object"}},
        },
    },
}
BUNDLE_EXAMPLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female",
                      "birthDate": "1950-02-01"}},
        {"resource": {"resourceType": "MedicationRequest", "id": "d1", "status": "draft",
                      "intent": "order", "subject": {"reference": "Patient/p1"},
                      "medicationCodeableConcept": {"text": "carisoprodol 350 MG Oral Tablet"}}},
    ],
}  # fmt: skip


def operation_outcome(exc: MyorelaxError, status: int = 422) -> Response:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": "invalid" if isinstance(exc, InputError) else "exception",
        "diagnostics": exc.message,
    }
    if exc.field:
        issue["expression"] = [exc.field]
    body = {"resourceType": "OperationOutcome", "issue": [issue]}
    return Response(json.dumps(body), status_code=status, media_type=FHIR_JSON)


def _read(bundle: dict[str, Any], today: date, st: AppState) -> tuple[Any, Any]:
    """The record and draft orders of a Bundle; a body that is another resource (a Patient,
    Parameters) or whose entries are not entries is refused, naming the element."""
    kind = bundle.get("resourceType")
    if isinstance(kind, str) and kind and kind != "Bundle":
        raise InputError(f"must be Bundle (a FHIR Bundle of the record), got {kind!r}",
                         field="resourceType")  # fmt: skip
    resources = resources_of(bundle, field="Bundle" if kind == "Bundle" else "body")
    record = record_from_fhir(resources, today=today, terminology=st.term)
    drafts = orders_from_fhir(
        [r for r in resources
         if r.get("resourceType") == "MedicationRequest" and r.get("status") == "draft"],
        field="body",
        terminology=st.term,
    )  # fmt: skip
    return record, drafts


@router.post("/patient", responses=OUTCOME)
def read_patient(
    st: State,
    _user: User,
    bundle: dict[str, Any] = Body(openapi_examples={"bundle": {"value": BUNDLE_EXAMPLE}}),  # noqa: B008
) -> Response:
    """What the checks will know from a FHIR record: the patient (age, kidney function,
    conditions, allergies, current medications as orders) and notes on how each was read."""
    try:
        record, drafts = _read(bundle, date.today(), st)
    except MyorelaxError as exc:
        return operation_outcome(exc)
    body = {
        "patient": to_jsonable(record.patient),
        "patient_fhir_id": record.patient_fhir_id,
        "draft_orders": to_jsonable(drafts.orders),
        "notes": list(record.notes) + list(drafts.notes),
        "not_checked": to_jsonable([*record.patient.not_checked, *drafts.not_checked]),
        "unrecognized_drafts": list(drafts.unrecognized),
    }
    return Response(json.dumps(body), media_type="application/json")


@router.post("/check", responses={200: {"description": "A collection Bundle of DetectedIssues",
             "content": {FHIR_JSON: {"schema": {"type": "object"}}}}, **OUTCOME})  # fmt: skip
def check_bundle(
    st: State,
    _user: User,
    bundle: dict[str, Any] = Body(openapi_examples={"bundle": {"value": BUNDLE_EXAMPLE}}),  # noqa: B008
) -> Response:
    """Check the record's draft MedicationRequests against the rest of the record: one
    DetectedIssue per alert (valid FHIR R4), implicating the MedicationRequests involved, and
    an OperationOutcome whose warnings name what was not checked (always present)."""
    today = date.today()
    try:
        record, drafts = _read(bundle, today, st)
        if not drafts.orders:
            raise InputError("holds no draft MedicationRequest of a known drug to check",
                             field="body")  # fmt: skip
        report = evaluate_regimen(
            record.patient, Regimen(orders=drafts.orders), kb=st.kb, terminology=st.term,
            today=today,
        )  # fmt: skip
    except MyorelaxError as exc:
        return operation_outcome(exc)
    implicated = {
        o.drug: f"MedicationRequest/{rid}" for o, rid in zip(drafts.orders, drafts.ids, strict=True)
        if rid
    }  # fmt: skip
    for order, ref in zip(record.patient.medications, record.medication_references, strict=False):
        if ref and order.drug not in implicated:
            implicated[order.drug] = ref
    patient_ref = f"Patient/{record.patient_fhir_id}" if record.patient_fhir_id else None
    issues = detected_issues(report, patient_reference=patient_ref, implicated=implicated)
    outcome = not_checked_outcome([*drafts.not_checked, *report.not_checked])
    for resource in (*issues, outcome):
        validate_r4(resource)
    out = {"resourceType": "Bundle", "type": "collection",
           "entry": [{"resource": i} for i in (*issues, outcome)]}  # fmt: skip
    return Response(json.dumps(out), media_type=FHIR_JSON)
