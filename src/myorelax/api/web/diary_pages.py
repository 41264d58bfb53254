"""The patient diary: the quick daily form, the last weeks as a chart with regimen changes
marked, the missed-dose and rising-use warnings, and the clinician report; for clinicians, their
patients and the regimen form (a regimen change is what the chart marks)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path as PathLib
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from myorelax.api.deps import AppState, State
from myorelax.api.schemas import MAX_RECORD_ID, ClinicalDate, PatientRecordIn
from myorelax.api.web.diary_charts import diary_charts
from myorelax.api.web.diary_form import (
    PENN,
    corrected_entry,
    default_rating_clock,
    diary_entries,
    dose_rows,
    entry_values,
    saved_message,
)
from myorelax.api.web.forms import Values, errors_of, read_form, text
from myorelax.api.web.render import page
from myorelax.api.web.session import SameOrigin, WebUser
from myorelax.clinical.sig import parse_sig
from myorelax.diary.analysis import analyse_diary
from myorelax.diary.entries import SIDE_EFFECTS, DiaryEntry, describe_entry
from myorelax.diary.records import Actor
from myorelax.diary.reminders import reminder_calendar, reminder_items
from myorelax.errors import AccessError, InputError, MyorelaxError, NotFoundError

router = APIRouter(include_in_schema=False)
PatientId = Path(ge=1, le=MAX_RECORD_ID)
Weeks = Annotated[int, Query(ge=1, le=52)]


@router.get("/diary", response_class=HTMLResponse)
def my_diary(request: Request, st: State, user: WebUser) -> Response:
    if user.role != "patient":
        return RedirectResponse("/patients", status_code=303)
    records = st.diary.patients(user)
    if not records:
        return page(request, "not_found.html.j2", user=user, status=404,
                    message="No diary is linked to this account yet; ask your clinician.")  # fmt: skip
    return RedirectResponse(f"/patients/{records[0].id}/diary", status_code=303)


@router.get("/patients", response_class=HTMLResponse)
def patient_list(request: Request, st: State, user: WebUser) -> Response:
    if user.role == "patient":
        return RedirectResponse("/diary", status_code=303)
    return _patients_page(request, st, user, {}, {})


def _patients_page(
    request: Request, st: AppState, user: Actor, values: Values, errors: dict[str, str],
    status: int = 200,
) -> Response:  # fmt: skip
    return page(request, "patients.html.j2", user=user, status=status,
                patients=st.diary.patients(user), v=values, errors=errors)  # fmt: skip


@router.post("/patients", response_class=HTMLResponse, dependencies=[SameOrigin])
async def create_patient(request: Request, st: State, user: WebUser) -> Response:
    values = read_form(await request.form())
    try:
        body = PatientRecordIn(display_name=text(values, "display_name"),
                               timezone=text(values, "timezone") or "UTC")  # fmt: skip
        record = st.diary.create_patient(user, body.display_name, tz=body.timezone)
    except (ValidationError, MyorelaxError) as exc:
        return _patients_page(request, st, user, values, errors_of(exc, "display_name"), 422)
    return RedirectResponse(f"/patients/{record.id}/diary", status_code=303)


def _diary_page(
    request: Request,
    st: AppState,
    user: Actor,
    patient_id: int,
    weeks: int,
    *,
    values: Values | None = None,
    errors: dict[str, str] | None = None,
    saved: str = "",
    replaced: str = "",
    unchanged: str = "",
    notice: str = "",
    above: list[str] | None = None,
    feed_url: str = "",
    status: int = 200,
) -> Response:
    try:
        record = st.diary.patient(user, patient_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    tz = ZoneInfo(record.timezone)
    local_now = datetime.now(tz)
    today = local_now.date()
    first = today - timedelta(days=7 * weeks - 1)
    regimens = st.diary.regimens(user, patient_id)
    entries = st.diary.entries_on_days(user, patient_id, first, today)
    analysis = analyse_diary(entries, regimens, start=first, end=today, kb=st.kb, now=local_now)
    values = values if values is not None else {"day": today.isoformat()}
    values.setdefault("client_key", str(uuid.uuid4()))
    day = _form_day(values, today)
    saved_ids = {int(x) for x in saved.split(",") if x}
    saved_entries = [e for e in entries if e.id in saved_ids]
    saved_text = saved_message(saved_entries, {int(x) for x in replaced.split(",") if x},
                               {int(x) for x in unchanged.split(",") if x})  # fmt: skip
    if saved_ids and len(saved_entries) < len(saved_ids):  # a day before the chart's window
        saved_text = (saved_text + " " if saved_text else "") + (
            f"Saved {len(saved_ids) - len(saved_entries)} entries for an earlier day."
        )
    chosen = {r.drug for r in regimens if r.active_on(day)}
    context: dict[str, Any] = {
        "record": record,
        "weeks": weeks,
        "first": first,
        "today": today,
        "regimens": regimens,
        "active": [r for r in regimens if r.active_on(today)],
        "extra_drugs": sorted(chosen),
        "rows": dose_rows(regimens, day, local_now),
        "analysis": analysis,
        "charts": diary_charts(analysis, regimens),
        "recent": sorted(entries, key=lambda e: e.at, reverse=True)[:15],
        "v": values,
        "errors": errors or {},
        "saved_text": saved_text,
        "notice": notice,
        "above": above or [],
        "at_clock": default_rating_clock(day, local_now),
        "penn": PENN,
        "side_effects": SIDE_EFFECTS,
        "can_prescribe": user.role in ("clinician", "admin"),
        "describe": describe_entry,
        "reminders": reminder_items(regimens, today),
        "feed_url": feed_url,
        "has_feed": st.diary.has_feed(user, patient_id),
        "now_clock": local_now.strftime("%H:%M"),
    }
    return page(request, "diary.html.j2", user=user, status=status, **context)


def _form_day(values: Values, today: date) -> date:
    try:
        day = date.fromisoformat(text(values, "day"))
    except ValueError:
        return today
    return min(day, today)


IdList = Annotated[str, Query(max_length=400, pattern=r"^[0-9,]*$")]


@router.get("/patients/{patient_id}/diary", response_class=HTMLResponse)
def diary(
    request: Request,
    st: State,
    user: WebUser,
    patient_id: int = PatientId,
    weeks: Weeks = 4,
    saved: IdList = "",
    replaced: IdList = "",
    unchanged: IdList = "",
    deleted: Annotated[int, Query(ge=0, le=1)] = 0,
    changed: Annotated[int, Query(ge=0, le=1)] = 0,
    day: Annotated[ClinicalDate | None, Query()] = None,
) -> Response:
    notice = "The entry was deleted." if deleted else "The entry was corrected." if changed else ""
    values = {"day": day.isoformat()} if day is not None else None
    return _diary_page(request, st, user, patient_id, weeks, saved=saved, replaced=replaced,
                       unchanged=unchanged, notice=notice, values=values)  # fmt: skip


def _above_max_check(
    st: AppState, user: Actor, patient_id: int, made: list[DiaryEntry], values: Values,
    replacing: int | None = None,
) -> list[str]:  # fmt: skip
    """The problems of doses above a labelled maximum; an error unless the patient confirmed."""
    found = st.diary.doses_above_max(user, patient_id, made, st.kb, replacing=replacing)
    problems = [p.message() for p in found]
    if problems and text(values, "confirm_above_max") != "on":
        raise AboveMaxError(problems)
    return problems


class AboveMaxError(InputError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "this is above the labelled maximum: tick the box to confirm that it was taken "
            "(your care team will be warned)",
            field="confirm_above_max",
        )
        self.problems = problems


@router.post("/patients/{patient_id}/diary", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def add_diary_day(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId, weeks: Weeks = 4
) -> Response:
    values = read_form(await request.form())
    key = text(values, "client_key") or None
    try:
        earlier = st.diary.saved_with_client_key(user, patient_id, key) if key else ()
        if earlier:  # this save was received before (e.g. queued offline and sent twice)
            return _saved_redirect(patient_id, weeks, [e.id for e in earlier], [], [])
        record = st.diary.patient(user, patient_id)
        regimens = st.diary.regimens(user, patient_id)
        made = diary_entries(
            values, regimens, tz=record.timezone, now=datetime.now(ZoneInfo("UTC"))
        )
        _above_max_check(st, user, patient_id, made, values)
        result = st.diary.save_entries(user, patient_id, made, client_key=key)
    except AboveMaxError as exc:
        return _diary_page(request, st, user, patient_id, weeks, values=values,
                           errors=errors_of(exc, "day"), above=exc.problems,
                           status=422)  # fmt: skip
    except MyorelaxError as exc:
        return _diary_page(request, st, user, patient_id, weeks, values=values,
                           errors=errors_of(exc, "day"), status=422)  # fmt: skip
    return _saved_redirect(patient_id, weeks, [e.id for e in result.entries],
                           [new.id for _, new in result.replaced], list(result.unchanged))  # fmt: skip


def _saved_redirect(
    patient_id: int, weeks: int, ids: list[int | None], replaced: list[int | None],
    unchanged: list[int],
) -> Response:  # fmt: skip
    def joined(values: list[int | None] | list[int]) -> str:
        return ",".join(str(i) for i in values if i is not None)

    return RedirectResponse(
        f"/patients/{patient_id}/diary?weeks={weeks}&saved={joined(ids)}"
        f"&replaced={joined(replaced)}&unchanged={joined(unchanged)}#saved",
        status_code=303,
    )


EntryId = Path(ge=1, le=MAX_RECORD_ID)


def _entry_page(
    request: Request, st: AppState, user: Actor, patient_id: int, entry_id: int, *,
    values: Values | None = None, errors: dict[str, str] | None = None,
    above: list[str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    try:
        record = st.diary.patient(user, patient_id)
        entry = st.diary.entry(user, patient_id, entry_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    if values is None:
        values = entry_values(entry)
    today = datetime.now(ZoneInfo(record.timezone)).date()
    return page(request, "diary_entry.html.j2", user=user, status=status, record=record,
                entry=entry, what=describe_entry(entry), v=values, errors=errors or {},
                above=above or [], today=today, penn=PENN)  # fmt: skip


@router.get("/patients/{patient_id}/diary/entries/{entry_id}", response_class=HTMLResponse)
def entry_form(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId,
    entry_id: int = EntryId,
) -> Response:  # fmt: skip
    return _entry_page(request, st, user, patient_id, entry_id)


@router.post("/patients/{patient_id}/diary/entries/{entry_id}", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def correct_entry(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId,
    entry_id: int = EntryId,
) -> Response:  # fmt: skip
    values = read_form(await request.form())
    try:
        record = st.diary.patient(user, patient_id)
        old = st.diary.entry(user, patient_id, entry_id)
        new = corrected_entry(old, values, tz=record.timezone, now=datetime.now(ZoneInfo("UTC")))
        _above_max_check(st, user, patient_id, [new], values, replacing=entry_id)
        st.diary.update_entry(user, patient_id, entry_id, new)
    except AboveMaxError as exc:
        return _entry_page(request, st, user, patient_id, entry_id, values=values,
                           errors=errors_of(exc, "entry_day"), above=exc.problems,
                           status=422)  # fmt: skip
    except MyorelaxError as exc:
        return _entry_page(request, st, user, patient_id, entry_id, values=values,
                           errors=errors_of(exc, "entry_day"), status=422)  # fmt: skip
    return RedirectResponse(f"/patients/{patient_id}/diary?changed=1#recent-title",
                            status_code=303)  # fmt: skip


@router.post("/patients/{patient_id}/diary/entries/{entry_id}/delete",
             response_class=HTMLResponse, dependencies=[SameOrigin])  # fmt: skip
async def delete_entry(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId,
    entry_id: int = EntryId,
) -> Response:  # fmt: skip
    try:
        st.diary.delete_entry(user, patient_id, entry_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    return RedirectResponse(f"/patients/{patient_id}/diary?deleted=1#recent-title",
                            status_code=303)  # fmt: skip


@router.post("/patients/{patient_id}/regimens", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def set_regimen(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId
) -> Response:
    values = read_form(await request.form())
    try:
        sig = text(values, "regimen_sig")
        if not sig:
            raise InputError("type the regimen, e.g. baclofen 10 mg tid", field="regimen_sig")
        order = parse_sig(sig, field="regimen_sig", terminology=st.term)
        raw = text(values, "regimen_start")
        try:
            start = date.fromisoformat(raw) if raw else date.today()
        except ValueError:
            raise InputError(f"{raw!r} is not a date (YYYY-MM-DD)",
                             field="regimen_start") from None  # fmt: skip
        st.diary.set_regimen(user, patient_id, order, start)
    except MyorelaxError as exc:
        return _diary_page(request, st, user, patient_id, 4, values=values,
                           errors=errors_of(exc, "regimen_sig"), status=422)  # fmt: skip
    return RedirectResponse(f"/patients/{patient_id}/diary", status_code=303)


# -- the installable diary: manifest, service worker, offline page ---------------------------
STATIC = PathLib(__file__).parent / "static"


@router.get("/diary.webmanifest")
def manifest() -> Response:
    body = {
        "name": "myorelax diary",
        "short_name": "Diary",
        "description": "Doses, pain, spasms, stress and sleep, day by day",
        "start_url": "/diary",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": "/static/icons/diary-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/diary-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "any"},
        ],
    }  # fmt: skip
    return Response(json.dumps(body), media_type="application/manifest+json")


@router.get("/diary-sw.js")
def service_worker() -> Response:
    """Served from the root so that its scope covers the diary pages."""
    return Response((STATIC / "diary-sw.js").read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})  # fmt: skip


@router.get("/diary/offline", response_class=HTMLResponse)
def offline(request: Request) -> Response:
    return page(request, "diary_offline.html.j2", user=None)


def _site(request: Request, st: AppState) -> str:
    """The address the patient's calendar app reaches: the configured public URL, else this
    request's."""
    return (st.settings.public_url or str(request.base_url)).rstrip("/")


# -- reminder calendar feed ------------------------------------------------------------------
@router.post("/patients/{patient_id}/diary/feed", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def new_feed(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId
) -> Response:
    """A new secret calendar address (an earlier one stops working); shown once."""
    try:
        token = st.diary.new_feed_token(user, patient_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    url = _site(request, st) + f"/diary/feed/{token}.ics"
    return _diary_page(request, st, user, patient_id, 4, feed_url=url,
                       notice="A new calendar address was made; any earlier one no longer works.")  # fmt: skip


@router.post("/patients/{patient_id}/diary/feed/revoke", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def revoke_feed(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId
) -> Response:
    try:
        st.diary.revoke_feed(user, patient_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    return _diary_page(request, st, user, patient_id, 4,
                       notice="The calendar address was revoked: it no longer works.")  # fmt: skip


@router.get("/diary/feed/{token}.ics")
def feed(request: Request, st: State, token: Annotated[str, Path(max_length=100)]) -> Response:
    """The reminder calendar: the secret token in the address is the only credential."""
    found = st.diary.feed_patient(token)
    if found is None:
        return Response("This calendar address is unknown or was revoked.\n", status_code=404,
                        media_type="text/plain")  # fmt: skip
    record, regimens = found
    url = _site(request, st) + f"/patients/{record.id}/diary"
    body = reminder_calendar(record, regimens, diary_url=url)
    return Response(body, media_type="text/calendar",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})  # fmt: skip
