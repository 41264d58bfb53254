"""`myorelax check`: a regimen against a patient, as a coloured table or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from myorelax.cli import patient_options as po
from myorelax.cli.output import console, emit_json
from myorelax.errors import InputError
from myorelax.knowledge.severity import SEVERITY_ORDER

if TYPE_CHECKING:
    from myorelax.safety.alert import CheckReport

COLOURS = {
    "contraindicated": "bold white on red",
    "major": "bold red",
    "moderate": "yellow",
    "minor": "cyan",
}


def _lines(group: tuple[dict[str, Any], ...]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Orders grouped by the line they came from (a combination product is one line)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for o in group:
        out.setdefault(o["text"], []).append(o)
    return list(out.items())


def _part(o: dict[str, Any]) -> str:
    from myorelax.units import plain_number

    dose = f" {plain_number(o['dose_mg'])} mg" if o.get("dose_mg") is not None else ""
    freq = f" {o['frequency']}" if o.get("frequency") else ""
    cap = o.get("max_doses_per_day")
    if cap is not None and o.get("doses_per_day") == cap:
        freq += f", at most {plain_number(cap)} a day"  # the order's own cap
    daily = o.get("daily_dose_mg")
    daily = f" ({plain_number(daily)} mg/day)" if daily is not None else ""
    return f"{o['drug']}{dose}{freq}{daily}"


def render(report: CheckReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    from myorelax.cli.alert_text import alert_parts, rich_markup

    p = report.patient
    facts = []
    if p.get("age_years") is not None:
        facts.append(f"{p['age_years']:g} y")
    if p.get("sex") != "unknown":
        facts.append(p["sex"])
    if p.get("crcl_ml_min") is not None:
        facts.append(f"CrCl {p['crcl_ml_min']:g} mL/min")
    if p.get("egfr_ml_min") is not None:
        facts.append(f"eGFR {p.get('egfr_reported') or format(p['egfr_ml_min'], 'g')}")
    if p.get("dialysis"):
        facts.append("dialysis")
    console.print(f"[bold]Patient[/bold]: {escape(', '.join(facts) or 'no details given')}")
    for label, group in (("Order", report.orders), ("Medication", report.medications)):
        for text, parts in _lines(group):
            read = "; ".join(_part(o) for o in parts)
            console.print(f"[bold]{label}[/bold]: {escape(text)} -> {escape(read)}")
    if report.not_checked:
        console.print(f"[bold yellow]Not checked ({len(report.not_checked)}):[/bold yellow]")
        for item in report.not_checked:
            console.print(f"  [yellow]- {escape(item.detail)}[/yellow]")
    if not report.alerts:
        if report.not_checked:
            console.print(
                "[yellow]No alert from what was checked; see what was not checked.[/yellow]"
            )
        else:
            console.print("[green]No alerts.[/green]")
        return
    table = Table(show_lines=True, title=f"{len(report.alerts)} alert(s)")
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("alert", overflow="fold")
    refs: list[str] = []
    for a in report.alerts:
        nums = []
        for ev in a.evidence:
            label = f"{ev.title}{', section ' + ev.section if ev.section else ''}. {ev.url}"
            if label not in refs:
                refs.append(label)
            nums.append(str(refs.index(label) + 1))
        heading, detail, todo = alert_parts(a.summary, a.detail, a.recommendation)
        body = (
            f"[bold]{rich_markup(heading)}[/bold]\n"
            + (f"{rich_markup(detail)}\n" if detail else "")
            + f"[italic]What to do:[/italic] {rich_markup(todo)}"
            + (f" [{', '.join(nums)}]" if nums else "")
        )
        if a.exposure and a.exposure.auc_ratio and "Exposure:" not in a.detail:
            least = "at least " if a.exposure.lower_bound else ""
            body += f"\n[italic]Exposure:[/italic] AUC {least}x{a.exposure.auc_ratio:g} ({escape(a.exposure.basis)})"
        table.add_row(f"[{COLOURS[a.severity]}]{a.severity}[/]", a.code, body)
    console.print(table)
    for i, r in enumerate(refs, 1):
        console.print(f"[dim][{i}] {escape(r)}[/dim]")
    console.print("[dim]Decision support, not medical advice.[/dim]")


def check(
    order: Annotated[
        list[str] | None, typer.Option("--order", help="An order as SIG text (repeatable).")
    ] = None,
    stopping: Annotated[
        list[str] | None, typer.Option("--stopping", help="A drug being stopped (repeatable).")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 3 when an alert at or above this severity fires."),
    ] = None,
    on_date: Annotated[
        str | None, typer.Option("--date", help="Date of the check (YYYY-MM-DD); default today.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON on stdout.")
    ] = False,
    patient_file: po.PatientFile = None,
    age: po.Age = None,
    sex: po.SexOpt = None,
    weight_kg: po.Weight = None,
    height_cm: po.Height = None,
    scr_mg_dl: po.Scr = None,
    crcl: po.Crcl = None,
    egfr: po.Egfr = None,
    dialysis: po.Dialysis = False,
    child_pugh: po.ChildPugh = None,
    pregnant: po.Pregnant = None,
    lactating: po.Lactating = None,
    condition: po.Conditions = None,
    allergy: po.Allergies = None,
    cyp2c19: po.Cyp2c19 = None,
    substance_use_disorder: po.Sud = False,
    alcohol: po.Alcohol = False,
    med: po.Meds = None,
) -> None:
    """Check orders (and drugs being stopped) against a patient and their medications."""
    if fail_on is not None and fail_on not in SEVERITY_ORDER:
        raise InputError(
            f"{fail_on!r} is not one of {', '.join(SEVERITY_ORDER)}", field="--fail-on"
        )
    from myorelax.cli.plan_cmd import parse_date

    # Given (even empty): a date the record can carry; not given: today.
    today = parse_date(on_date, "--date") if on_date is not None else None
    if not order and not stopping and not med and not patient_file:
        raise InputError(
            "give at least one --order (or --stopping, or current --med to review)", field="--order"
        )
    patient = po.build_from_flags(
        patient_file,
        age=age,
        sex=sex,
        weight_kg=weight_kg,
        height_cm=height_cm,
        scr_mg_dl=scr_mg_dl,
        crcl=crcl,
        egfr=egfr,
        dialysis=dialysis,
        child_pugh=child_pugh,
        pregnant=pregnant,
        lactating=lactating,
        conditions=condition,
        allergies=allergy,
        cyp2c19=cyp2c19,
        substance_use_disorder=substance_use_disorder,
        alcohol=alcohol,
        meds=med,
        today=today,
    )
    from myorelax.clinical.inputs import regimen_from
    from myorelax.safety.engine import evaluate_regimen

    regimen = regimen_from(order or [], stopping or [], start=today)
    report = evaluate_regimen(patient, regimen, today=today)
    if json_out:
        emit_json(report)
    else:
        render(report)
    if fail_on is not None and report.alerts:
        threshold = SEVERITY_ORDER.index(fail_on)
        if min(a.rank for a in report.alerts) <= threshold:
            raise typer.Exit(3)
