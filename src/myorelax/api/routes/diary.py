"""Patients, regimens and diary entries, with access by role and care-team link; the clinician
report. Every read and write of patient data is audited by the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from myorelax.api.deps import AppState, State, User
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import (
    MAX_RECORD_ID,
    Body,
    ClinicalDate,
    EntriesIn,
    PatientRecordIn,
    RegimenIn,
)
from myorelax.clinical.sig import parse_sig
from myorelax.diary.entries import DiaryEntry, not_in_future, parse_entry
from myorelax.diary.records import Actor, PatientRecord, RegimenPeriod
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
    return st.diary.set_regimen(
        user, patient_id, parse_sig(body.sig, field="sig", terminology=st.term), body.start
    )


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


class DiaryEntriesIn(EntriesIn):
    confirm_above_max: bool = Field(
        default=False,
        description="true records doses above the labelled single or daily maximum (the care "
        "team is warned); without it such a save is refused (422, field confirm_above_max)",
    )
    client_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9-]{8,64}$",
        description="made by the client for one save: the same save sent again (e.g. queued "
        "offline) is stored once and answered with the first save's entries",
    )


class EntryUpdateIn(Body):
    entry: dict[str, Any]
    confirm_above_max: bool = False


class SavedOut(BaseModel):
    entries: list[DiaryEntry]
    replaced: list[DiaryEntry] = Field(
        description="earlier values of the same measure and day that this save replaced"
    )
    repeated: bool = Field(description="true: this client_key was saved before; nothing new")


def _checked(
    st: AppState, user: Actor, patient_id: int, entries: list[DiaryEntry], confirm: bool,
    where: Callable[[int], str], *, replacing: int | None = None,
) -> None:  # fmt: skip
    """No future times; doses above a labelled maximum only with confirm_above_max."""
    now = datetime.now(UTC)
    for i, e in enumerate(entries):
        try:
            not_in_future(e, now)
        except InputError as exc:
            raise InputError(f"{where(i)}{exc.message}", field="at") from None
    if confirm:
        return
    problems = st.diary.doses_above_max(user, patient_id, entries, st.kb, replacing=replacing)
    if problems:
        raise InputError(
            "; ".join(p.message() for p in problems)
            + ". Send confirm_above_max: true to record it (the care team is warned).",
            field="confirm_above_max",
        )


@router.post("/patients/{patient_id}/entries", status_code=201, responses=PROBLEMS)
def add_entries(
    body: DiaryEntriesIn, st: State, user: User, patient_id: int = PatientId
) -> SavedOut:
    """Add entries: all are stored or none (one transaction). One value per measure per day: a
    second pain (stress, spasms, sleep...) of the same day replaces the first (the old value is
    kept in the audit log); doses are all kept except the same planned dose slot twice. A time
    later than now is refused; a dose above the labelled maximum needs confirm_above_max."""
    if body.client_key is not None:
        earlier = st.diary.saved_with_client_key(user, patient_id, body.client_key)
        if earlier:  # the same save sent again: answered, not stored again
            return SavedOut(entries=list(earlier), replaced=[], repeated=True)
    parsed = [parse_entry(e, f"entries[{i}]: ") for i, e in enumerate(body.entries)]
    for i, e in enumerate(parsed):
        if e.kind == "dose" and e.drug is not None:
            drug = st.term.resolve(e.drug, field=f"entries[{i}].drug").ingredient.id
            parsed[i] = e.model_copy(update={"drug": drug})
    _checked(st, user, patient_id, parsed, body.confirm_above_max, lambda i: f"entries[{i}]: ")
    saved = st.diary.save_entries(user, patient_id, parsed, client_key=body.client_key)
    return SavedOut(entries=list(saved.entries), replaced=[old for old, _ in saved.replaced],
                    repeated=saved.repeated)  # fmt: skip


EntryId = Path(ge=1, le=MAX_RECORD_ID)


@router.get("/patients/{patient_id}/entries/{entry_id}", responses=PROBLEMS)
def get_entry(
    st: State, user: User, patient_id: int = PatientId, entry_id: int = EntryId
) -> DiaryEntry:
    return st.diary.entry(user, patient_id, entry_id)


@router.put("/patients/{patient_id}/entries/{entry_id}", responses=PROBLEMS)
def update_entry(
    body: EntryUpdateIn, st: State, user: User, patient_id: int = PatientId,
    entry_id: int = EntryId,
) -> DiaryEntry:  # fmt: skip
    """Correct an entry (same kind); the old value is kept in the audit log."""
    e = parse_entry(body.entry, "entry: ")
    if e.kind == "dose" and e.drug is not None:
        e = e.model_copy(update={"drug": st.term.resolve(e.drug, field="entry.drug").ingredient.id})
    _checked(st, user, patient_id, [e], body.confirm_above_max, lambda _: "entry: ",
             replacing=entry_id)  # fmt: skip
    return st.diary.update_entry(user, patient_id, entry_id, e)


@router.delete("/patients/{patient_id}/entries/{entry_id}", status_code=204, responses=PROBLEMS)
def delete_entry(
    st: State, user: User, patient_id: int = PatientId, entry_id: int = EntryId
) -> Response:
    """Delete an entry; what it held is kept in the audit log."""
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
    record = st.diary.patient(user, patient_id)
    now = datetime.now(ZoneInfo(record.timezone))  # dose times still to come are not missed
    analysis = analyse_diary(entries, regimens, start=first, end=last, kb=st.kb, now=now)
    if format in ("html", "pdf"):
        from myorelax.reports.diary_report import diary_report_html

        page = diary_report_html(record, analysis, entries, regimens)
        if format == "html":
            return Response(page, media_type="text/html")
        from myorelax.reports.printable import html_to_pdf

        return Response(html_to_pdf(page), media_type="application/pdf")
    return JSONResponse(to_jsonable(analysis))
