"""`myorelax simulate`: the concentration-time course of a regimen in a patient."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from myorelax.cli import patient_options as po
from myorelax.cli.output import (
    check_writable,
    console,
    emit_json,
    progress_console,
    writing,
)
from myorelax.errors import InputError

if TYPE_CHECKING:
    from myorelax.pk.events import MissedDose
    from myorelax.pk.simulate import RegimenSimulation

MAX_DAYS = 365  # as pk.events.schedule_from_order
_MISSED = re.compile(r"^\s*(\d+)\s*@\s*(\d{1,2}:\d{2})\s*$")
_AT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*h?\s*[:=@]\s*(\d+(?:\.\d+)?)\s*(mg|mcg|g)?\s*$")


def _missed(texts: list[str]) -> list[MissedDose]:
    from myorelax.pk.events import MissedDose

    out = []
    for t in texts:
        m = _MISSED.match(t)
        if not m:
            raise InputError(f"{t!r} is not DAY@HH:MM (e.g. 2@14:00)", field="--missed")
        out.append(MissedDose(int(m.group(1)), m.group(2).zfill(5)))
    return out


def _pairs(texts: list[str], field: str, example: str) -> list[tuple[float, float]]:
    from myorelax.units import convert

    out = []
    for t in texts:
        m = _AT.match(t)
        if not m:
            raise InputError(f"{t!r} is not {example}", field=field)
        amount = convert(float(m.group(2)), m.group(3) or "mg", "mg")
        out.append((float(m.group(1)), amount))
    return out


def _threshold(text: str | None) -> float | None:
    from myorelax.units import parse_concentration

    return None if text is None else parse_concentration(text, field="--threshold")


def render(sim: RegimenSimulation) -> None:
    from rich.markup import escape
    from rich.table import Table

    from myorelax.pk.simulate import AUC_UNIT, UNIT

    console.print(f"[bold]{escape(sim.regimen)}[/bold] (first dose {sim.schedule.first_clock})")
    facts = ", ".join(f"{k} {v}" for k, v in sim.patient.items()) or "typical adult"
    console.print(f"Patient: {escape(facts)}")
    if sim.comedications:
        console.print(f"With: {escape(', '.join(sim.comedications))}")
    for item in sim.not_checked:
        console.print(f"[bold yellow]not checked[/bold yellow]: {escape(item.detail)}")
    for e in sim.model.effects:
        console.print(f"[cyan]effect[/cyan]: {escape(e.reason)}")
    window = f"{sim.window_h[0]:g}-{sim.window_h[1]:g} h"
    table = Table(title=f"Exposure (last cycle {window}; {sim.subjects} subject(s))")
    table.add_column("metric")
    for a in sim.analytes:
        table.add_column(a.name, justify="right")

    def f(x: float | None, d: int = 3) -> str:
        return "-" if x is None else f"{x:.{d}g}"

    rows: list[tuple[str, str]] = [
        (f"Cmax ({UNIT})", "cmax"),
        ("Tmax (h after cycle start)", "tmax_h"),
        (f"Cmin / trough ({UNIT})", "cmin"),
        (f"AUC tau ({AUC_UNIT})", "auc_tau"),
        (f"AUC inf, first dose ({AUC_UNIT})", "auc_inf"),
        ("terminal half-life (h)", "half_life_h"),
        ("accumulation ratio", "accumulation_ratio"),
        ("time to 90% of steady state (h)", "time_to_90pct_steady_state_h"),
    ]
    for label, attr in rows:
        table.add_row(label, *[f(getattr(a, attr)) for a in sim.analytes])
    if any(a.metric_percentiles for a in sim.analytes):
        for label, key in (
            ("population Cmax 5/50/95%", "cmax"),
            ("population AUC tau 5/50/95%", "auc_tau"),
        ):
            cells = []
            for a in sim.analytes:
                pc = (a.metric_percentiles or {}).get(key)
                cells.append(f"{pc['p5']:.3g}/{pc['p50']:.3g}/{pc['p95']:.3g}" if pc else "-")
            table.add_row(label, *cells)
    console.print(table)
    for a in sim.analytes:
        if a.time_above_threshold_h is not None:
            console.print(f"{a.name}: {a.time_above_threshold_h:.3g} h above the threshold")
    for c in sim.comparison:
        least = "at least " if c.lower_bound else ""
        console.print(
            f"[bold]vs a typical adult[/bold]: {c.analyte} AUC {least}x{c.auc_ratio:.2f}, "
            f"Cmax {least}x{c.cmax_ratio:.2f}"
        )
    for n in sim.notes:
        console.print(f"[dim]note: {escape(n)}[/dim]")
    console.print("[dim]Model-based estimates for decision support, not medical advice.[/dim]")


def simulate(
    sig: Annotated[str, typer.Argument(help='The regimen as SIG text, e.g. "baclofen 20 mg tid".')],
    days: Annotated[float, typer.Option("--days", help="Days to simulate.")] = 7.0,
    population: Annotated[
        int, typer.Option("--population", help="Also simulate N subjects with variability.")
    ] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (reproducible).")] = None,
    residual: Annotated[
        bool, typer.Option("--residual", help="Add residual error to the population.")
    ] = False,
    compare_normal: Annotated[
        bool, typer.Option("--compare-normal", help="Exposure ratios versus a typical adult.")
    ] = False,
    step: Annotated[float, typer.Option("--step", help="Output step in hours.")] = 0.1,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="Report time above, e.g. '10 mcg/mL'.")
    ] = None,
    missed: Annotated[
        list[str] | None, typer.Option("--missed", help="Missed dose DAY@HH:MM (repeatable).")
    ] = None,
    extra: Annotated[
        list[str] | None,
        typer.Option("--extra", help="Extra dose HOURS:AMOUNT (mg), e.g. 30:350 (repeatable)."),
    ] = None,
    change: Annotated[
        list[str] | None,
        typer.Option("--change", help="From DAY on, each dose is AMOUNT mg: DAY:AMOUNT."),
    ] = None,
    steady_state: Annotated[
        bool, typer.Option("--steady-state", help="Start at steady state.")
    ] = False,
    fed: Annotated[bool, typer.Option("--fed", help="Doses taken with a high-fat meal.")] = False,
    infusion: Annotated[
        float | None, typer.Option("--infusion", help="Give IV doses over this many hours.")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG plot here.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write a CSV here.")] = None,
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
    condition: po.Conditions = None,
    cyp2c19: po.Cyp2c19 = None,
    alcohol: po.Alcohol = False,
    med: po.Meds = None,
) -> None:
    """Simulate concentrations over time (parent and metabolite) with exposure metrics."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from myorelax.clinical.sig import order_of_line, parse_medication
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.terminology import default_terminology
    from myorelax.pk.events import DoseChange, ExtraDose, changes_from_steps
    from myorelax.pk.serialize import simulation_rows, simulation_to_dict
    from myorelax.pk.simulate import (
        DosingEvents,
        OutputGrid,
        PopulationSpec,
        RegimenRequest,
        simulate_request,
    )

    if population < 0:
        raise InputError("must be 0 or more", field="--population")
    if not 0 < days <= MAX_DAYS:  # NaN fails too
        raise InputError(
            f"must be more than 0 and at most {MAX_DAYS}, not {days:g}", field="--days"
        )
    if seed is not None and seed < 0:
        raise InputError(f"must be a whole number of 0 or more, not {seed}", field="--seed")
    for target, option in ((plot, "--plot"), (csv_path, "--csv")):
        check_writable(target, option)  # before the simulation, not after it
    kb = load_knowledge()
    term = default_terminology()
    line = parse_medication(sig, field="sig")
    stepped = changes_from_steps(line.orders)
    if stepped:
        # A dose that changes over time: its first step, and each later dose as a dose change.
        order = stepped[0].model_copy(update={"text": line.text})
    elif len({o.drug for o in line.orders}) == 1 and len({o.start for o in line.orders}) > 1:
        raise InputError(
            f"{line.text!r}: a dose that changes over time is simulated as one regimen only "
            "when its steps keep the route and frequency and give each dose in mg; simulate "
            "one step, with later doses as --change DAY:AMOUNT",
            field="sig",
        )
    else:
        order = order_of_line(line, field="sig")
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
        pregnant=False,
        lactating=False,
        conditions=condition,
        allergies=None,
        cyp2c19=cyp2c19,
        substance_use_disorder=False,
        alcohol=alcohol,
        meds=med,
    )
    comeds = [term.ingredient(m.drug) for m in patient.medications if m.drug != order.drug]
    extras = [ExtraDose(t, a) for t, a in _pairs(extra or [], "--extra", "HOURS:AMOUNT")]
    changes = [DoseChange(int(d), a) for d, a in _pairs(change or [], "--change", "DAY:AMOUNT")]
    if stepped:
        changes = sorted([*stepped[1], *changes], key=lambda c: c.day)
    show_bar = population >= 5000 and not json_out
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=progress_console(),
        disable=not show_bar,
        transient=True,
    ) as bar:
        task = bar.add_task("population", total=population or 1)
        request = RegimenRequest(
            order=order,
            patient=patient,
            comedications=tuple(comeds),
            fed=fed,
            events=DosingEvents(
                missed=tuple(_missed(missed or [])),
                extra=tuple(extras),
                changes=tuple(changes),
                steady_state=steady_state,
                infusion_h=infusion,
            ),
            grid=OutputGrid(days=days, step_h=step),
            population=PopulationSpec(subjects=population, seed=seed, residual=residual),
            compare_normal=compare_normal,
            threshold_mg_l=_threshold(threshold),
        )
        sim = simulate_request(
            request, kb, progress=lambda done, total: bar.update(task, completed=done)
        )
    if plot is not None:
        from myorelax.reports.plots import plot_simulation

        lines = []
        thr = _threshold(threshold)
        if thr is not None:
            lines.append((thr, f"threshold {threshold}"))
        with writing(plot, "--plot"):
            plot_simulation(sim, plot, reference_lines=lines)
    if csv_path is not None:
        header, rows = simulation_rows(sim)
        with writing(csv_path, "--csv"), csv_path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
    if json_out:
        emit_json(simulation_to_dict(sim))
    else:
        render(sim)
        for p, what in ((plot, "plot"), (csv_path, "CSV")):
            if p is not None:
                console.print(f"{what} written to {p}")
