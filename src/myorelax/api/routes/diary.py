"""Patients, regimens and diary entries, with access by role and care-team link; the clinician
report. Every read and write of patient data is audited by the store."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from myorelax.api.deps import State, User
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import MAX_RECORD_ID, ClinicalDate, EntriesIn, PatientRecordIn, RegimenIn
from myorelax.clinical.sig import parse_sig
from myorelax.diary.entries import DiaryEntry, parse_entry
from myorelax.diary.records import PatientRecord, RegimenPeriod
from myorelax.errors import InputError
from myorelax.reports.views import to_jsonable

router = APIRouter(prefix="/api/v1", tags=["diary"])
PROBLEMS = problem_responses(401, 403, 404, 413, 422)
PatientId = Path(ge=1, le=MAX_RECORD_ID)


@router.get("/patients", responses=PROBLEMS)
def list_patients(st: State, user: User) -> dict[str, list[PatientRecord]]:
    """The patients this user may see (admin: all; clinician: their care team; patient: self)."""
    return {"patients": list(st.diary.patients(user))}


@router.post("/patients", response_model=PatientRecord, status_code=201, responses=PROBLEMS)
def create_patient(body: PatientRecordIn, st: State, user: User) -> PatientRecord:
    """A new patient record (admin or clinician; a clinician is linked to it)."""
    return st.diary.create_patient(user, body.display_name, user_id=body.user_id, tz=body.timezone)


@router.get("/patients/{patient_id}", response_model=PatientRecord, responses=PROBLEMS)
def get_patient(st: State, user: User, patient_id: int = PatientId) -> PatientRecord:
    return st.diary.patient(user, patient_id)


@router.get("/patients/{patient_id}/regimens", responses=PROBLEMS)
def list_regimens(
    st: State, user: User, patient_id: int = PatientId
) -> dict[str, list[RegimenPeriod]]:
    return {"regimens": list(st.diary.regimens(user, patient_id))}


@router.post("/patients/{patient_id}/regimens", response_model=RegimenPeriod, status_code=201,
             responses=PROBLEMS)  # fmt: skip
def set_regimen(
    body: RegimenIn, st: State, user: User, patient_id: int = PatientId
) -> RegimenPeriod:
    """Start a regimen; a current one of the same drug ends the day before (admin, clinician)."""
    return st.diary.set_regimen(user, patient_id, parse_sig(body.sig, field="sig"), body.start)


def _range(start: date | None, end: date | None) -> tuple[date, date]:
    last = end or date.today()
    first = start or last - timedelta(days=27)
    if first > last:
        raise InputError("is after to", field="from")
    if (last - first).days > 3660:
        raise InputError("the range is longer than 10 years", field="from")
    return first, last


@router.get("/patients/{patient_id}/entries", responses=PROBLEMS)
def list_entries(
    st: State,
    user: User,
    patient_id: int = PatientId,
    start: Annotated[ClinicalDate | None, Query(alias="from")] = None,
    end: Annotated[ClinicalDate | None, Query(alias="to")] = None,
) -> dict[str, list[DiaryEntry]]:
    """Diary entries whose local date is within from..to (default: the last 28 days)."""
    first, last = _range(start, end)
    return {"entries": list(st.diary.entries_on_days(user, patient_id, first, last))}


@router.post("/patients/{patient_id}/entries", status_code=201, responses=PROBLEMS)
def add_entries(
    body: EntriesIn, st: State, user: User, patient_id: int = PatientId
) -> dict[str, list[DiaryEntry]]:
    """Add entries: all are stored or none (one transaction)."""
    parsed = [parse_entry(e, f"entries[{i}]: ") for i, e in enumerate(body.entries)]
    for i, e in enumerate(parsed):
        if e.kind == "dose" and e.drug is not None:
            drug = st.term.resolve(e.drug, field=f"entries[{i}].drug").ingredient.id
            parsed[i] = e.model_copy(update={"drug": drug})
    return {"entries": list(st.diary.add_entries(user, patient_id, parsed))}


@router.delete("/patients/{patient_id}/entries/{entry_id}", status_code=204, responses=PROBLEMS)
def delete_entry(
    st: State, user: User, patient_id: int = PatientId, entry_id: int = Path(ge=1, le=MAX_RECORD_ID)
) -> Response:
    st.diary.delete_entry(user, patient_id, entry_id)
    return Response(status_code=204)


REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The analysis (JSON), or the clinician report, CSV or FHIR Bundle",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/fhir+json": {"schema": {"type": "object"}},
        },
    },
    **PROBLEMS,
}


@router.get("/patients/{patient_id}/report", responses=REPORT_RESPONSES,
            response_class=JSONResponse)  # fmt: skip
def report(
    st: State,
    user: User,
    patient_id: int = PatientId,
    start: Annotated[ClinicalDate | None, Query(alias="from")] = None,
    end: Annotated[ClinicalDate | None, Query(alias="to")] = None,
    format: Literal["json", "html", "pdf", "csv", "fhir"] = "json",
) -> Response:
    """The clinician summary for a date range (as `myorelax diary report --json`), or the
    report page (html, pdf), the raw entries (csv) or a FHIR R4 Bundle (fhir)."""
    first, last = _range(start, end)
    entries = st.diary.entries_on_days(user, patient_id, first, last)
    if format == "csv":
        from myorelax.reports.diary_report import entries_csv

        return Response(entries_csv(entries), media_type="text/csv")
    if format == "fhir":
        from myorelax.fhir.diary import diary_bundle

        bundle = diary_bundle(list(entries), st.kb, f"Patient/{patient_id}")
        return Response(json.dumps(bundle), media_type="application/fhir+json")
    from myorelax.diary.analysis import analyse_diary

    regimens = st.diary.regimens(user, patient_id)
    analysis = analyse_diary(entries, regimens, start=first, end=last, kb=st.kb)
    if format in ("html", "pdf"):
        from myorelax.reports.diary_report import diary_report_html

        record = st.diary.patient(user, patient_id)
        page = diary_report_html(record, analysis, entries, regimens)
        if format == "html":
            return Response(page, media_type="text/html")
        from myorelax.reports.printable import html_to_pdf

        return Response(html_to_pdf(page), media_type="application/pdf")
    return JSONResponse(to_jsonable(analysis))
