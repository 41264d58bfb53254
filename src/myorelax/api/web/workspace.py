"""The clinician workspace: a patient (typed, or read from a FHIR Bundle), orders as SIG text,
the safety check as cards, the simulated concentration curve, and titration or taper plans to
print or add to a calendar. One form holds everything typed, so every answer (or error) comes
back with the form exactly as it was."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from myorelax.api.deps import AppState, State, state
from myorelax.api.web.charts import simulation_charts
from myorelax.api.web.forms import (
    FormError,
    Values,
    error_labels,
    errors_of,
    patient_of,
    read_form,
    regimen_of,
    rows,
    text,
    values_of_patient,
)
from myorelax.api.web.render import page
from myorelax.api.web.session import SameOrigin, WebUser
from myorelax.clinical.inputs import patient_from_data, target_order
from myorelax.clinical.patient import Patient
from myorelax.clinical.sig import parse_sig
from myorelax.diary.records import Actor
from myorelax.errors import InputError, MyorelaxError
from myorelax.fhir.importing import orders_from_fhir, record_from_fhir, resources_of
from myorelax.pk.covariates import interaction_effects
from myorelax.pk.simulate import OutputGrid, PopulationSpec, RegimenRequest, simulate_request
from myorelax.plans.calendar import plan_calendar
from myorelax.plans.model import Plan
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from myorelax.reports.views import monograph_of
from myorelax.safety.alert import CheckReport
from myorelax.safety.engine import evaluate_regimen

router = APIRouter(include_in_schema=False)
ACTIONS = ("check", "simulate", "plan", "plan_ics", "plan_pdf", "import")
MAX_SIM_DAYS = 28
MAX_POPULATION = 500
BLANK_ROWS = {"orders": 2, "medications": 3}
PLAN_PAST_DAYS = 365  # a plan may start up to a year ago (written down after the fact)...
PLAN_FUTURE_DAYS = 5 * 365  # ...and up to five years ahead
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"%PDF")


@dataclass
class Outcome:
    """What the workspace shows below the form."""

    notes: list[str] = field(default_factory=list)
    report: CheckReport | None = None
    charts: list[dict[str, Any]] = field(default_factory=list)
    sim_summary: dict[str, Any] | None = None
    plan: Plan | None = None
    focus: str | None = None  # the id of the result's heading, focused and scrolled to


def _clinician(user: Actor) -> bool:
    return user.role in ("clinician", "admin")


def _rows(values: Values) -> Values:
    """Repeated fields with blank rows to type into."""
    out = dict(values)
    for name, blanks in BLANK_ROWS.items():
        typed = [v for v in (out.get(name) or []) if str(v).strip()]
        out[name] = typed + [""] * max(1, blanks - len(typed) + 1)
    return out


def _render(
    request: Request,
    user: Actor,
    values: Values,
    *,
    errors: dict[str, str] | None = None,
    outcome: Outcome | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "workspace.html.j2",
        user=user,
        status=status,
        v=_rows(values),
        errors=errors or {},
        error_labels=error_labels(errors or {}),
        out=outcome or Outcome(),
        today=date.today().isoformat(),
        upload_limit=_megabytes(state(request).settings.max_body_bytes),
        upload_bytes=state(request).settings.max_body_bytes,
    )


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.3g} MB" if n >= 100_000 else f"{n / 1000:.3g} kB"


@router.get("/workspace", response_class=HTMLResponse)
def workspace(request: Request, user: WebUser) -> Response:
    if not _clinician(user):
        return RedirectResponse("/diary", status_code=303)
    return _render(request, user, {"sim_days": "3", "sim_population": "100"})


@router.post("/workspace", response_class=HTMLResponse, dependencies=[SameOrigin])
async def workspace_post(request: Request, st: State, user: WebUser) -> Response:
    if not _clinician(user):
        return RedirectResponse("/diary", status_code=303)
    form = await request.form()
    values = read_form(form)
    action = text(values, "action") or "check"
    outcome = Outcome()
    try:
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}", field="action")
        if action == "import":
            upload = form.get("bundle")
            values, outcome.notes = _import(upload if isinstance(upload, UploadFile) else None,
                                            values, st.settings.max_body_bytes)  # fmt: skip
            outcome.focus = "notes-title"
            return _render(request, user, values, outcome=outcome)
        patient = patient_of(values, st.term)
        outcome.notes = [f"{m.text}: no dose given, so checked as the drug only (no dose checks)."
                         for m in patient.medications if m.dose is None]  # fmt: skip
        if action == "check":
            outcome.report = _check(st, values, patient)
            outcome.focus = "check-title"
        elif action == "simulate":
            outcome.charts, outcome.sim_summary = _simulate(st, values, patient)
            outcome.focus = "sim-title"
        else:
            plan = _plan(st, values, patient)
            if action == "plan_ics":
                return _download(plan_calendar(plan, mode="dose", tz=text(values, "tz") or None),
                                 plan, "ics", "text/calendar")  # fmt: skip
            if action == "plan_pdf":
                from myorelax.reports.printable import html_to_pdf, plan_html

                return _download(html_to_pdf(plan_html(plan)), plan, "pdf", "application/pdf")
            outcome.plan = plan
            outcome.focus = "plan-title"
    except FormError as exc:
        return _render(request, user, values, errors=exc.errors, status=422)
    except (MyorelaxError, ValidationError) as exc:
        return _render(request, user, values, errors=errors_of(exc, action), status=422)
    return _render(request, user, values, outcome=outcome)


def _download(body: str | bytes, plan: Plan, ext: str, media_type: str) -> Response:
    name = f"{plan.kind}-{plan.drug}-{plan.start.isoformat()}.{ext}"
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _import(upload: UploadFile | None, values: Values, limit: int) -> tuple[Values, list[str]]:
    """The patient and draft orders of an uploaded Bundle. Every problem with the file is an
    error on the file field: what was typed in the rest of the form is kept."""
    if upload is None or not upload.filename:
        raise InputError("choose a FHIR Bundle (JSON) to read", field="bundle")
    raw = upload.file.read(limit + 1)
    name = upload.filename
    if len(raw) > limit:
        raise InputError(f"{name} is larger than {_megabytes(limit)}, the most that can be read; "
                         "export only this patient's record", field="bundle")  # fmt: skip
    if not raw.strip():
        raise InputError(f"{name} is empty (expected a FHIR Bundle in JSON)", field="bundle")
    if (upload.content_type or "").startswith("image/") or raw.startswith(IMAGE_MAGIC):
        raise InputError(f"{name} is an image or a document, not a FHIR Bundle: choose the "
                         "record exported as JSON", field="bundle")  # fmt: skip
    try:
        bundle = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(
            exc, json.JSONDecodeError) else ""  # fmt: skip
        raise InputError(f"{name} is not JSON{where}: expected a FHIR Bundle",
                         field="bundle") from None  # fmt: skip
    resources = resources_of(bundle, field="bundle")
    record = record_from_fhir(resources, today=date.today())
    drafts = orders_from_fhir(
        [r for r in resources
         if r.get("resourceType") == "MedicationRequest" and r.get("status") == "draft"],
        field="bundle",
    )  # fmt: skip
    filled = {k: v for k, v in values.items() if k.startswith(("sim_", "plan_"))}
    filled.update(values_of_patient(record.patient))
    filled["orders"] = list(dict.fromkeys(o.text for o in drafts.orders))
    notes = [f"Read {upload.filename}: {len(resources)} resources."]
    notes += list(record.notes) + list(drafts.notes)
    notes += [f"Draft order not recognised (not checked): {u}" for u in drafts.unrecognized]
    return filled, notes


def _check(st: AppState, values: Values, patient: Patient) -> CheckReport:
    numbered = rows(values, "orders")
    if not numbered and not patient.medications:
        raise InputError("type at least one order (or a current medication)", field="orders[0]")
    regimen = regimen_of(values, st.term)
    report = evaluate_regimen(patient, regimen, kb=st.kb, terminology=st.term)
    alerts = tuple(sorted(report.alerts, key=lambda a: a.rank))
    return report.model_copy(update={"alerts": alerts})


def _number(values: Values, name: str, low: float, high: float, default: float) -> float:
    raw = text(values, name)
    if not raw:
        return default
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        raise InputError(f"{raw!r} is not a number", field=name) from None
    if not low <= number <= high:
        raise InputError(f"must be between {low:g} and {high:g}", field=name)
    return number


def _simulate(
    st: AppState, values: Values, patient: Patient
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    typed = [str(v).strip() for v in values.get("orders") or []]
    index = int(_number(values, "sim_order", 0, max(0, len(typed) - 1), 0))
    if index >= len(typed) or not typed[index]:
        raise InputError("type the order to simulate", field=f"orders[{index}]")
    order = parse_sig(typed[index], field=f"orders[{index}]", terminology=st.term)
    days = _number(values, "sim_days", 0.5, MAX_SIM_DAYS, 3)
    population = int(_number(values, "sim_population", 0, MAX_POPULATION, 100))
    comeds = [st.term.ingredient(m.drug) for m in patient.medications if m.drug != order.drug]
    step = 0.1 if days <= 7 else 0.25
    grid = OutputGrid(days=days, step_h=step)
    this = simulate_request(
        RegimenRequest(
            order=order,
            patient=patient,
            comedications=tuple(comeds),
            grid=grid,
            population=PopulationSpec(subjects=population, seed=20261121),
            compare_normal=True,
        ),
        st.kb,
    )
    typical = simulate_request(
        RegimenRequest(order=order, patient=patient_from_data({}, st.term), grid=grid), st.kb
    )
    # which co-medications the interaction knowledge gives an effect on this drug's exposure
    mono = st.kb.drugs[order.drug]
    acting = [c.name for c in comeds if interaction_effects(mono, [c])[0]]
    return simulation_charts(this, typical, acting=acting)


def _start(values: Values) -> date:
    raw = text(values, "plan_start")
    if not raw:
        return date.today()
    try:
        start = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a date (YYYY-MM-DD)", field="plan_start") from None
    today = date.today()
    first, last = today - timedelta(days=PLAN_PAST_DAYS), today + timedelta(days=PLAN_FUTURE_DAYS)
    if not first <= start <= last:
        raise InputError(f"must be between {first.isoformat()} (a year ago) and "
                         f"{last.isoformat()} (five years ahead)", field="plan_start")  # fmt: skip
    return start


PLAN_FIELDS = {"sig": "plan_what", "drug": "plan_what", "days": "plan_days",
               "used_weeks": "plan_weeks", "target": "plan_target", "form": "plan_what"}  # fmt: skip


def _plan(st: AppState, values: Values, patient: Patient) -> Plan:
    """The plan the form asks for; the planner's own field names become the form's."""
    try:
        return _make_plan(st, values, patient)
    except InputError as exc:
        if exc.field in PLAN_FIELDS:
            raise InputError(exc.message, field=PLAN_FIELDS[exc.field]) from None
        raise


def _make_plan(st: AppState, values: Values, patient: Patient) -> Plan:
    kind = text(values, "plan_kind") or "taper"
    what = text(values, "plan_what")
    if not what:
        hint = "the current dose, e.g. baclofen 20 mg tid" if kind == "taper" else "a drug"
        raise InputError(f"type {hint}", field="plan_what")
    start = _start(values)
    if kind == "titrate":
        mono = monograph_of(st.kb, st.term, what, field="plan_what")
        target_text = text(values, "plan_target")
        target = target_order(mono.id, target_text, field="plan_target") if target_text else None
        return plan_titration(mono, patient, kb=st.kb, start=start, target=target, named=what)
    if kind != "taper":
        raise InputError("choose taper or titrate", field="plan_kind")
    days = text(values, "plan_days")
    weeks = text(values, "plan_weeks")
    return plan_taper(
        parse_sig(what, field="plan_what", terminology=st.term),
        patient,
        kb=st.kb,
        start=start,
        days=int(_number(values, "plan_days", 1, 365, 1)) if days else None,
        used_weeks=_number(values, "plan_weeks", 0, 2600, 0) if weeks else None,
    )
