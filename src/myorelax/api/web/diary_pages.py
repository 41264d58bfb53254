"""The patient diary: the quick daily form, the last weeks as a chart with regimen changes
marked, the missed-dose and rising-use warnings, and the clinician report; for clinicians, their
patients and the regimen form (a regimen change is what the chart marks)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from myorelax.api.deps import AppState, State
from myorelax.api.schemas import MAX_RECORD_ID, PatientRecordIn
from myorelax.api.web.charts import diary_chart
from myorelax.api.web.diary_form import PENN, diary_entries, dose_rows
from myorelax.api.web.forms import Values, errors_of, read_form, text
from myorelax.api.web.render import page
from myorelax.api.web.session import SameOrigin, WebUser
from myorelax.clinical.sig import parse_sig
from myorelax.diary.analysis import analyse_diary
from myorelax.diary.entries import SIDE_EFFECTS
from myorelax.diary.records import Actor
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
    saved: int = 0,
    status: int = 200,
) -> Response:
    try:
        record = st.diary.patient(user, patient_id)
    except (NotFoundError, AccessError) as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    tz = ZoneInfo(record.timezone)
    today = datetime.now(tz).date()
    first = today - timedelta(days=7 * weeks - 1)
    regimens = st.diary.regimens(user, patient_id)
    entries = st.diary.entries_on_days(user, patient_id, first, today)
    analysis = analyse_diary(entries, regimens, start=first, end=today, kb=st.kb)
    values = values if values is not None else {"day": today.isoformat()}
    day = _form_day(values, today)
    chosen = {r.drug for r in regimens if r.active_on(day)}
    context: dict[str, Any] = {
        "record": record,
        "weeks": weeks,
        "first": first,
        "today": today,
        "regimens": regimens,
        "active": [r for r in regimens if r.active_on(today)],
        "extra_drugs": sorted(chosen),
        "rows": dose_rows(regimens, day),
        "analysis": analysis,
        "chart": diary_chart(analysis, regimens),
        "recent": sorted(entries, key=lambda e: e.at, reverse=True)[:15],
        "v": values,
        "errors": errors or {},
        "saved": saved,
        "penn": PENN,
        "side_effects": SIDE_EFFECTS,
        "can_prescribe": user.role in ("clinician", "admin"),
        "now_clock": datetime.now(tz).strftime("%H:%M"),
    }
    return page(request, "diary.html.j2", user=user, status=status, **context)


def _form_day(values: Values, today: date) -> date:
    try:
        day = date.fromisoformat(text(values, "day"))
    except ValueError:
        return today
    return min(day, today)


@router.get("/patients/{patient_id}/diary", response_class=HTMLResponse)
def diary(
    request: Request,
    st: State,
    user: WebUser,
    patient_id: int = PatientId,
    weeks: Weeks = 4,
    saved: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response:
    return _diary_page(request, st, user, patient_id, weeks, saved=saved)


@router.post("/patients/{patient_id}/diary", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
async def add_diary_day(
    request: Request, st: State, user: WebUser, patient_id: int = PatientId, weeks: Weeks = 4
) -> Response:
    values = read_form(await request.form())
    try:
        record = st.diary.patient(user, patient_id)
        regimens = st.diary.regimens(user, patient_id)
        made = diary_entries(
            values, regimens, tz=record.timezone, now=datetime.now(ZoneInfo("UTC"))
        )
        st.diary.add_entries(user, patient_id, made)
    except MyorelaxError as exc:
        return _diary_page(request, st, user, patient_id, weeks, values=values,
                           errors=errors_of(exc, "day"), status=422)  # fmt: skip
    return RedirectResponse(f"/patients/{patient_id}/diary?weeks={weeks}&saved={len(made)}",
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
        order = parse_sig(sig, field="regimen_sig")
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
