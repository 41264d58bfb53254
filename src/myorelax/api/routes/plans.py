"""Titration, taper and pump plans (as `myorelax titrate|taper|pump --json`), and their
calendar (ICS), printable (HTML, PDF) and FHIR CarePlan forms via `?format=`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from myorelax.api.compute import compute
from myorelax.api.deps import AppState, State, User
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import PumpIn, TaperIn, TitrateIn
from myorelax.clinical.inputs import patient_from_data, target_order
from myorelax.clinical.sig import parse_sig
from myorelax.plans.calendar import plan_calendar, pump_calendar
from myorelax.plans.model import Plan
from myorelax.plans.pump import plan_pump
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from myorelax.reports.views import monograph_of, to_jsonable

router = APIRouter(prefix="/api/v1", tags=["plans"])
Format = Literal["json", "ics", "html", "pdf", "fhir"]
PLAN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The plan (JSON), or its calendar, printable page or FHIR CarePlan",
        "content": {
            "text/calendar": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/fhir+json": {"schema": {"type": "object"}},
        },
    },
    **problem_responses(401, 413, 422),
}


def _start(value: date | None) -> date:
    return value or date.today()


@dataclass
class Output:
    """How a plan is returned: `format` (json, ics, html, pdf, fhir), and for the calendar the
    time zone and one event per dose or per day."""

    format: Annotated[Format, Query(description="json, ics, html, pdf or fhir (CarePlan)")] = "json"
    tz: Annotated[
        str | None, Query(max_length=64, description="IANA time zone for the calendar")
    ] = None
    ics_mode: Literal["dose", "day"] = "dose"


def _render(plan: Plan, output: Output, st: State) -> Response:
    fmt, tz, ics_mode = output.format, output.tz, output.ics_mode
    name = f"{plan.kind}-{plan.drug}-{plan.start.isoformat()}"
    if fmt == "ics":
        body = plan_calendar(plan, mode=ics_mode, tz=tz)
        return Response(body, media_type="text/calendar",
                        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'})  # fmt: skip
    if fmt in ("html", "pdf"):
        from myorelax.reports.printable import html_to_pdf, plan_html

        page = plan_html(plan)
        if fmt == "html":
            return Response(page, media_type="text/html")
        return Response(html_to_pdf(page), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})  # fmt: skip
    if fmt == "fhir":
        from myorelax.fhir.careplan import care_plan_resource

        return Response(json.dumps(care_plan_resource(plan, st.kb)),
                        media_type="application/fhir+json")  # fmt: skip
    return JSONResponse(to_jsonable(plan))


@router.post("/titrate", responses=PLAN_RESPONSES, response_class=JSONResponse)
async def titrate(
    body: TitrateIn,
    st: State,
    _user: User,
    output: Annotated[Output, Depends()],
) -> Response:
    """A day-by-day titration from the label's start dose to a target, from real tablets."""
    return await compute(st, _titrate, body, st, output)


def _titrate(body: TitrateIn, st: AppState, output: Output) -> Response:
    mono = monograph_of(st.kb, st.term, body.drug, field="drug")
    target = (
        None if body.target is None else target_order(mono.id, body.target, terminology=st.term)
    )
    plan = plan_titration(
        mono,
        patient_from_data(body.patient.data(), st.term),
        kb=st.kb,
        start=_start(body.start),
        target=target,
        form=body.form,
        step_days=body.step_days,
        named=body.drug,
    )
    return _render(plan, output, st)


@router.post("/taper", responses=PLAN_RESPONSES, response_class=JSONResponse)
async def taper(
    body: TaperIn,
    st: State,
    _user: User,
    output: Annotated[Output, Depends()],
) -> Response:
    """A day-by-day taper to zero from sourced guidance, with withdrawal signs to watch for."""
    return await compute(st, _taper, body, st, output)


def _taper(body: TaperIn, st: AppState, output: Output) -> Response:
    plan = plan_taper(
        parse_sig(body.sig, field="sig", terminology=st.term),
        patient_from_data(body.patient.data(), st.term),
        kb=st.kb,
        start=_start(body.start),
        days=body.days,
        form=body.form,
        used_weeks=body.used_weeks,
    )
    return _render(plan, output, st)


@router.post("/pump", responses=PLAN_RESPONSES, response_class=JSONResponse)
def pump(
    body: PumpIn,
    st: State,
    _user: User,
    format: Literal["json", "ics"] = "json",
) -> Response:
    """Intrathecal baclofen pump: refill-by and alarm dates, reminders, withdrawal signs."""
    result = plan_pump(
        kb=st.kb,
        reservoir_ml=body.reservoir_ml,
        concentration_mcg_ml=body.concentration_mcg_ml,
        dose_mcg_day=body.dose_mcg_day,
        last_refill=body.last_refill,
        alarm_ml=body.alarm_ml,
        changes=[(c.date, c.dose_mcg_day) for c in body.changes],
    )
    if format == "ics":
        return Response(pump_calendar(result), media_type="text/calendar")
    return JSONResponse(to_jsonable(result))
