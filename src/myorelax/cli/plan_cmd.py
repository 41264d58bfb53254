"""`myorelax titrate`, `myorelax taper` and `myorelax pump`: plans as tables, JSON, iCalendar,
printable HTML or PDF, and a FHIR CarePlan."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from myorelax.cli import patient_options as po
from myorelax.cli.output import console, emit_json, err_console
from myorelax.errors import InputError, shown

if TYPE_CHECKING:
    from myorelax.clinical.patient import Patient
    from myorelax.plans.model import Plan, PumpPlan

_CHANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[=:]\s*(\d+(?:\.\d+)?)\s*(?:mcg(?:/day)?)?\s*$")

Start = Annotated[
    str | None, typer.Option("--start", help="First day of the plan (YYYY-MM-DD); default today.")
]
Form = Annotated[str | None, typer.Option("--form", help="Use only this form: tablet or capsule.")]
Ics = Annotated[Path | None, typer.Option("--ics", help="Write an iCalendar (.ics) file here.")]
IcsMode = Annotated[
    str,
    typer.Option("--ics-mode", help="dose: an event per dose time; day: an all-day event per day."),
]
Tz = Annotated[
    str | None, typer.Option("--tz", help="IANA time zone for the calendar (default: floating).")
]
Html = Annotated[Path | None, typer.Option("--html", help="Write the printable plan (HTML) here.")]
Pdf = Annotated[Path | None, typer.Option("--pdf", help="Write the printable plan (PDF) here.")]
Fhir = Annotated[
    Path | None, typer.Option("--fhir", help="Write the plan as a FHIR R4 CarePlan (JSON) here.")
]
Prescriber = Annotated[
    str | None, typer.Option("--prescriber", help="Prescriber name and phone, for the printout.")
]
JsonOut = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


_OPTION_FIELDS = frozenset(
    {
        "target",
        "step_days",
        "days",
        "form",
        "tz",
        "reservoir_ml",
        "concentration_mcg_ml",
        "dose_mcg_day",
        "alarm_ml",
        "change",
        "reminder_minutes",
    }
)


@contextmanager
def cli_fields(argument: str | None = None) -> Iterator[None]:
    """Name the command-line option (or argument) in errors raised by the domain."""
    try:
        yield
    except InputError as exc:
        if exc.field in _OPTION_FIELDS:
            exc.field = "--" + exc.field.replace("_", "-")
        elif argument and exc.field in ("sig", "regimen"):
            exc.field = argument
        raise


def parse_date(text: str | None, field: str) -> date:
    """A date typed on the command line (YYYY-MM-DD; None: today), within the dates a clinical
    record can carry (the REST API's window): later date arithmetic stays on the calendar."""
    from myorelax.api.schemas import FIRST_DATE, LAST_DATE

    if text is None:
        return date.today()
    if not text.strip():
        raise InputError("must not be empty: give a date in the form YYYY-MM-DD", field=field)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{shown(text)} is not a date in the form YYYY-MM-DD", field=field
        ) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(f"{day} is not between {FIRST_DATE} and {LAST_DATE}", field=field)
    return day


def given(text: str | None, field: str) -> str | None:
    """An option's text as given: None when left out; an empty (or blank) value is refused,
    not taken as left out."""
    if text is not None and not text.strip():
        raise InputError("must not be empty (leave the option out instead)", field=field)
    return text


def _write(path: Path, data: bytes | str, field: str) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", field=field) from None
    err_console.print(f"wrote {path}")


def _outputs(
    plan: Plan,
    *,
    ics: Path | None,
    ics_mode: str,
    tz: str | None,
    html: Path | None,
    pdf: Path | None,
    fhir: Path | None,
    prescriber: str | None,
) -> None:
    from myorelax.fhir.careplan import care_plan_resource
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.plans.calendar import plan_calendar
    from myorelax.reports.printable import Contacts, html_to_pdf, plan_html

    if ics_mode not in ("dose", "day"):
        raise InputError(f"{shown(ics_mode)} is not dose or day", field="--ics-mode")
    mode: Literal["dose", "day"] = "dose" if ics_mode == "dose" else "day"
    if ics is not None:
        _write(ics, plan_calendar(plan, mode=mode, tz=tz), "--ics")
    if html is not None or pdf is not None:
        page = plan_html(plan, contacts=Contacts(prescriber=prescriber))
        if html is not None:
            _write(html, page, "--html")
        if pdf is not None:
            _write(pdf, html_to_pdf(page), "--pdf")
    if fhir is not None:
        resource = care_plan_resource(plan, load_knowledge())
        _write(fhir, json.dumps(resource, indent=2, ensure_ascii=False), "--fhir")


def render_plan(plan: Plan) -> None:
    from rich.markup import escape
    from rich.table import Table

    title = f"{plan.drug_name} {plan.kind}"
    if plan.current:
        title += f" from {plan.current}"
    if plan.target:
        title += f" to {plan.target}"
    console.print(f"[bold]{escape(title)}[/bold] ({escape(plan.formulation)})")
    console.print(f"Rule: {escape(plan.rule.text)}")
    table = Table(show_lines=False)
    table.add_column("step", justify="right")
    table.add_column("dates", no_wrap=True)
    table.add_column("mg/day", justify="right")
    table.add_column("doses (tablets)", overflow="fold")
    for s in plan.steps:
        if s.end is None:
            dates = f"{s.start.isoformat()} onwards"
        elif s.end == s.start:
            dates = s.start.isoformat()
        else:
            dates = f"{s.start.isoformat()} to {s.end.isoformat()}"
        table.add_row(str(s.index), dates, f"{s.daily_total_mg:g}", escape(s.text))
    console.print(table)
    for w in plan.warnings:
        console.print(f"[bold yellow]warning[/bold yellow]: {escape(w)}")
    for n in plan.not_checked:
        console.print(f"[yellow]not checked[/yellow]: {escape(n.detail)}")
    for a in plan.alerts:
        console.print(f"[red]{a.severity}[/red] {a.code}: {escape(a.summary)}")
    for note in plan.notes:
        console.print(f"note: {escape(note)}")
    watch = [w for s in plan.steps for w in s.watch_for]
    if watch and not plan.withdrawal.seek_care:
        console.print(f"[bold]watch[/bold]: {escape(', '.join(dict.fromkeys(watch)))}")
    for line in plan.withdrawal.seek_care:
        console.print(f"[bold]watch[/bold]: {escape(line)}")
    if plan.stopping:
        console.print(f"[bold]stopping[/bold]: {escape(plan.stopping)}")
    for c in plan.rule.citations:
        console.print(
            f"[dim]source: {escape(c.title)}{' §' + c.section if c.section else ''}[/dim]"
        )


def _patient(
    patient_file: Path | None,
    age: float | None,
    sex: str | None,
    weight_kg: float | None,
    scr_mg_dl: float | None,
    crcl: float | None,
    egfr: str | None,
    dialysis: bool,
    child_pugh: str | None,
    cyp2c19: str | None,
    med: list[str] | None,
) -> Patient:
    return po.build_from_flags(
        patient_file,
        age=age,
        sex=sex,
        weight_kg=weight_kg,
        height_cm=None,
        scr_mg_dl=scr_mg_dl,
        crcl=crcl,
        egfr=egfr,
        dialysis=dialysis,
        child_pugh=child_pugh,
        pregnant=None,
        lactating=None,
        conditions=None,
        allergies=None,
        cyp2c19=cyp2c19,
        substance_use_disorder=False,
        alcohol=False,
        meds=med,
    )


def titrate(
    drug: Annotated[str, typer.Argument(help="The drug to start, e.g. baclofen.")],
    target: Annotated[
        str | None, typer.Option("--target", help='Target regimen, e.g. "20 mg tid".')
    ] = None,
    step_days: Annotated[
        int | None, typer.Option("--step-days", help="Days per step where the label sets none.")
    ] = None,
    start: Start = None,
    form: Form = None,
    ics: Ics = None,
    ics_mode: IcsMode = "dose",
    tz: Tz = None,
    html: Html = None,
    pdf: Pdf = None,
    fhir: Fhir = None,
    prescriber: Prescriber = None,
    json_out: JsonOut = False,
    patient_file: po.PatientFile = None,
    age: po.Age = None,
    sex: po.SexOpt = None,
    weight_kg: po.Weight = None,
    scr_mg_dl: po.Scr = None,
    crcl: po.Crcl = None,
    egfr: po.Egfr = None,
    dialysis: po.Dialysis = False,
    child_pugh: po.ChildPugh = None,
    cyp2c19: po.Cyp2c19 = None,
    med: po.Meds = None,
) -> None:
    """A day-by-day titration from the label's start dose to a target, from real tablets."""
    from myorelax.clinical.inputs import target_order
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.terminology import default_terminology
    from myorelax.plans.titration import plan_titration
    from myorelax.reports.views import monograph_of

    form, tz, target = given(form, "--form"), given(tz, "--tz"), given(target, "--target")
    kb = load_knowledge()
    mono = monograph_of(kb, default_terminology(), drug, field="DRUG")
    first = parse_date(start, "--start")
    patient = _patient(
        patient_file, age, sex, weight_kg, scr_mg_dl, crcl, egfr, dialysis, child_pugh, cyp2c19, med
    )
    with cli_fields():
        plan = plan_titration(
            mono,
            patient,
            kb=kb,
            start=first,
            target=None if target is None else target_order(mono.id, target, field="--target"),
            form=form,
            step_days=step_days,
            named=drug,
        )
    with cli_fields():
        _outputs(
            plan,
            ics=ics,
            ics_mode=ics_mode,
            tz=tz,
            html=html,
            pdf=pdf,
            fhir=fhir,
            prescriber=prescriber,
        )
    if json_out:
        emit_json(plan)
    else:
        render_plan(plan)


def taper(
    sig: Annotated[str, typer.Argument(help='The current regimen, e.g. "baclofen 20 mg qid".')],
    days: Annotated[
        int | None, typer.Option("--days", help="Taper period in days (default: from sources).")
    ] = None,
    used_weeks: Annotated[
        float | None, typer.Option("--used-weeks", help="How long the drug has been taken.")
    ] = None,
    start: Start = None,
    form: Form = None,
    ics: Ics = None,
    ics_mode: IcsMode = "dose",
    tz: Tz = None,
    html: Html = None,
    pdf: Pdf = None,
    fhir: Fhir = None,
    prescriber: Prescriber = None,
    json_out: JsonOut = False,
    patient_file: po.PatientFile = None,
    age: po.Age = None,
    sex: po.SexOpt = None,
    weight_kg: po.Weight = None,
    scr_mg_dl: po.Scr = None,
    crcl: po.Crcl = None,
    egfr: po.Egfr = None,
    dialysis: po.Dialysis = False,
    child_pugh: po.ChildPugh = None,
    cyp2c19: po.Cyp2c19 = None,
    med: po.Meds = None,
) -> None:
    """A day-by-day taper to zero from sourced guidance, with withdrawal signs to watch for."""
    from myorelax.clinical.sig import parse_sig
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.plans.taper import plan_taper

    form, tz = given(form, "--form"), given(tz, "--tz")
    kb = load_knowledge()
    order = parse_sig(sig, field="SIG")
    first = parse_date(start, "--start")
    if used_weeks is not None and not 0 <= used_weeks <= 52 * 50:
        raise InputError("must be between 0 and 2600 weeks", field="--used-weeks")
    patient = _patient(
        patient_file, age, sex, weight_kg, scr_mg_dl, crcl, egfr, dialysis, child_pugh, cyp2c19, med
    )
    with cli_fields("SIG"):
        plan = plan_taper(
            order, patient, kb=kb, start=first, days=days, form=form, used_weeks=used_weeks
        )
    with cli_fields():
        _outputs(
            plan,
            ics=ics,
            ics_mode=ics_mode,
            tz=tz,
            html=html,
            pdf=pdf,
            fhir=fhir,
            prescriber=prescriber,
        )
    if json_out:
        emit_json(plan)
    else:
        render_plan(plan)


def _changes(texts: list[str] | None) -> list[tuple[date, float]]:
    out = []
    for t in texts or []:
        m = _CHANGE.match(t)
        if not m:
            raise InputError(
                f"{shown(t)} is not YYYY-MM-DD=MCG_PER_DAY (e.g. 2026-12-01=450)", field="--change"
            )
        out.append((parse_date(m.group(1), "--change"), float(m.group(2))))
    return out


def render_pump(p: PumpPlan) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(
        f"[bold]Intrathecal baclofen pump[/bold]: {p.reservoir_ml:g} mL of {p.concentration_mcg_ml:g} "
        f"mcg/mL, refilled {p.last_refill.isoformat()}"
    )
    for s in p.segments:
        console.print(
            f"  from {s.start.isoformat()}: {s.dose_mcg_day:g} mcg/day = {s.volume_ml_day:.3g} mL/day"
        )
    console.print(
        f"[bold]Refill by {p.refill_by.isoformat()}[/bold]; low-reservoir alarm "
        f"({p.alarm_ml:g} mL) {p.alarm_date.isoformat()} (day {p.days_to_alarm:g}); empty "
        f"{p.empty_date.isoformat()} (day {p.days_to_empty:g})"
    )
    table = Table()
    table.add_column("date", no_wrap=True)
    table.add_column("event")
    for e in p.events:
        table.add_row(e.date.isoformat(), escape(e.text))
    console.print(table)
    for w in p.warnings:
        console.print(f"[bold yellow]warning[/bold yellow]: {escape(w)}")
    for n in p.notes:
        console.print(f"note: {escape(n)}")
    for line in p.withdrawal.seek_care:
        console.print(f"[bold]watch[/bold]: {escape(line)}")


def pump(
    reservoir_ml: Annotated[float, typer.Option("--reservoir-ml", help="Volume filled (mL).")],
    concentration_mcg_ml: Annotated[
        float, typer.Option("--concentration-mcg-ml", help="Baclofen concentration (mcg/mL).")
    ],
    dose_mcg_day: Annotated[
        float, typer.Option("--dose-mcg-day", help="Programmed daily dose (mcg/day).")
    ],
    last_refill: Annotated[str, typer.Option("--last-refill", help="Refill date (YYYY-MM-DD).")],
    alarm_ml: Annotated[
        float | None,
        typer.Option("--alarm-ml", help="Programmed low-reservoir alarm volume (mL)."),
    ] = None,
    change: Annotated[
        list[str] | None,
        typer.Option("--change", help="Dose change DATE=MCG_PER_DAY (repeatable)."),
    ] = None,
    ics: Ics = None,
    json_out: JsonOut = False,
) -> None:
    """Intrathecal baclofen pump: refill-by and alarm dates, reminders, withdrawal signs."""
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.plans.calendar import pump_calendar
    from myorelax.plans.pump import plan_pump

    kb = load_knowledge()
    with cli_fields():
        result = plan_pump(
            kb=kb,
            reservoir_ml=reservoir_ml,
            concentration_mcg_ml=concentration_mcg_ml,
            dose_mcg_day=dose_mcg_day,
            last_refill=parse_date(last_refill, "--last-refill"),
            alarm_ml=alarm_ml,
            changes=_changes(change),
        )
    if ics is not None:
        _write(ics, pump_calendar(result), "--ics")
    if json_out:
        emit_json(result)
    else:
        render_pump(result)
