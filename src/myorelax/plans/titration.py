"""Titration plans: from the label's start dose, step and interval up to a target or the maximum.

* A labelled schedule (baclofen 5, 10, 15, 20 mg tid every 3 days; dantrolene 25 mg daily, 25
  tid, 50 tid, 100 tid every 7 days) is followed, then continued with the labelled step.
* A labelled step (tizanidine 2-4 mg per dose every 1-4 days; cyclobenzaprine 5 mg per dose) is
  used at its smaller size and, where an interval is a range, its longer end (conservative). A
  drug whose label gives no interval needs one from the user.
* Kidney function: where the knowledge base gives a dose fraction for the patient's CrCl
  (baclofen), every level and the ceiling are scaled by it; a target above the kidney-adjusted
  maximum is capped, with a warning. Kidney advice the scaling does not carry out (a major
  adjustment with no dose fraction, such as "avoid" below eGFR 30) stays a visible alert; on
  dialysis, a major adjustment with no dialysis dose refuses the plan (no dose to schedule).
* Drugs whose exposure rises with the patient's kidney function, genotype or an interacting drug
  (the safety check of the target, or of the labelled maximum when no target is given, says so),
  and whose label titrates by a step (tizanidine), start at the start dose once a day and raise
  the single dose before the frequency, as the tizanidine label asks.
* The last step (maintenance) has no end: the plan's `end` is None and its calendar repeats
  without a count; `days` lists only its first days.
* Every level is vetted by the safety check; a contraindication refuses the plan.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from functools import reduce

from myorelax.clinical.patient import Patient
from myorelax.clinical.recorded_conditions import recorded_kidney_function
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import Amount, Dosing, KnowledgeBase, Monograph, RenalAdjustment
from myorelax.plans.careplan import care_plan_for
from myorelax.plans.common import (
    cite,
    clock_times,
    doses_at,
    doses_text,
    expand_days,
    merge_alerts,
    order_for,
    plan_order,
    refuse_if_contraindicated,
    spread_units,
    stopping_statement,
    unchecked,
    vet,
)
from myorelax.plans.dosing import (
    amount_days,
    choose_formulation,
    geriatric_dosing,
    most_doses_per_day,
    oral_dosing,
    regular_schedule,
)
from myorelax.plans.model import Citation, Plan, PlanAlert, Rule, Step
from myorelax.plans.tablets import dose_unit_mg
from myorelax.safety.checks.organ import applicable_renal_adjustments
from myorelax.units import convert

EXPOSURE_CODES = frozenset({"MRX-DDI-001", "MRX-RENAL-001", "MRX-PGX-001"})
RENAL_DOSE_CODE = "MRX-RENAL-001"  # the kidney dose-adjustment rule a titration applies itself
SERIOUS = frozenset({"major", "contraindicated"})
MAX_LEVELS = 60
# Days a level is held when the label gives neither the schedule step's days nor an interval
# between increases (no packaged monograph does: each titration has one). This project's
# choice, not the label's: a plan that uses it says so in its warnings.
UNLABELLED_HOLD_DAYS = 7


def _mg(amount: Amount, which: str = "lower") -> float:
    return convert(amount.lower if which == "lower" else amount.upper, amount.unit, "mg")


def _limits(drug: Monograph, dosing: Dosing) -> tuple[float | None, float | None, int]:
    single = _mg(dosing.max_single, "upper") if dosing.max_single else None
    daily = (
        convert(dosing.max_daily.upper, dosing.max_daily.unit, "mg") if dosing.max_daily else None
    )
    return single, daily, most_doses_per_day(drug, dosing)


def _check_target(drug: Monograph, dosing: Dosing, target: Order) -> tuple[float, int]:
    if target.drug != drug.id:
        raise InputError(f"the target is {target.drug_name}, not {drug.name}", field="target")
    return regular_schedule(drug, dosing, target, field="target", why="a target")


def _ideal_levels(
    dosing: Dosing,
    target_dose: float,
    target_n: int,
    restricted: bool,
    step_days: int | None,
    drug: Monograph,
    assumed: list[str] | None = None,
) -> list[tuple[float, int, int]]:
    """(dose per administration, doses a day, days held) before kidney scaling. Where the label
    gives no days for a level, UNLABELLED_HOLD_DAYS is used and a sentence saying so is added to
    `assumed`."""
    t = dosing.titration
    levels: list[tuple[float, int, int]] = []

    def hold(days: int | None) -> int:
        if days is not None:
            return days
        if assumed is not None:
            said = (
                f"The {drug.name} label gives no interval between dose increases; this plan holds "
                f"such levels {UNLABELLED_HOLD_DAYS} days (this project's assumption, not the "
                "label's): confirm the interval with the prescriber, or set the days per step."
            )
            if said not in assumed:
                assumed.append(said)
        return UNLABELLED_HOLD_DAYS

    def add(dose: float, n: int, days: int) -> None:
        dose = min(dose, target_dose)
        n = min(n, target_n)
        if levels and abs(levels[-1][0] - dose) < 1e-9 and levels[-1][1] == n:
            return
        levels.append((dose, n, days))

    interval_days = step_days
    if interval_days is None and t is not None and t.interval is not None:
        interval_days = amount_days(t.interval, "upper")
    if t is not None and t.schedule and not restricted:
        for s in t.schedule:
            add(_mg(s.dose), s.doses_per_day, s.days or hold(interval_days))
            if levels[-1][0] >= target_dose - 1e-9:
                break
        dose, n = levels[-1][0], levels[-1][1]
    else:
        start = dosing.start
        if start is None:
            raise InputError(f"the label gives no starting dose for {drug.name}", field="drug")
        if interval_days is None:
            raise InputError(
                f"the {drug.name} label gives no interval between dose increases; set the number "
                "of days per step",
                field="step_days",
            )
        n = 1 if restricted else target_n
        dose = _mg(start, "lower")
        add(dose, n, interval_days)
    step = None
    if (
        t is not None
        and t.step is not None
        and (t.step.value is not None or t.step.low is not None)
    ):
        step = _mg(t.step, "lower")
    if step is None and t is not None and t.schedule:
        doses = [_mg(s.dose) for s in t.schedule]
        rises = [b - a for a, b in itertools.pairwise(doses) if b > a]
        step = min(rises) if rises else None
    while dose < target_dose - 1e-9 and len(levels) < MAX_LEVELS:
        if step is None or interval_days is None:
            raise InputError(
                f"the {drug.name} label gives no step or interval to go beyond "
                f"{dose:g} mg; set the days per step",
                field="step_days",
            )
        dose = min(dose + step, target_dose)
        add(dose, n, interval_days)
    while n < target_n and len(levels) < MAX_LEVELS:
        n += 1
        add(target_dose, n, hold(interval_days))
    return levels


def _beers_from_age(kb: KnowledgeBase) -> float:
    age = kb.rules["MRX-BEERS-002"].from_age_years()
    assert age is not None
    return age


def _renal_fraction(
    drug: Monograph, patient: Patient, kb: KnowledgeBase
) -> tuple[float | None, list[str], list[Citation], list[tuple[RenalAdjustment, str]]]:
    """The smallest kidney dose fraction that applies, the applicable advice as notes, their
    citations, and the serious advice no dose fraction carries out (major or worse, with no
    fraction; Beers-sourced ones are left to their own alert, MRX-BEERS-002). The kidney function
    is the safety check's: a recorded kidney failure counts."""
    kidney = recorded_kidney_function(patient, kb)
    fractions = []
    texts: list[str] = []
    cites: list[Citation] = []
    unapplied: list[tuple[RenalAdjustment, str]] = []
    for adj, why in applicable_renal_adjustments(
        drug, kidney, patient.age_years, _beers_from_age(kb)
    ):
        texts.append(f"{why}: {adj.action}")
        if adj.dose_fraction is not None:
            fractions.append(adj.dose_fraction.lower)
            c = cite(kb, adj.source)
            if c:
                cites.append(c)
        elif adj.severity in SERIOUS and adj.source != "beers-2023":
            unapplied.append((adj, why))
    return (min(fractions) if fractions else None), texts, cites, unapplied


def _refuse_on_dialysis(
    drug: Monograph, kb: KnowledgeBase, unapplied: list[tuple[RenalAdjustment, str]]
) -> None:
    """On dialysis, serious kidney advice with no dialysis dose leaves nothing to schedule: a
    titration would climb past what the knowledge allows, so there is no plan."""
    for adj, _why in unapplied:
        if adj.dialysis:
            src = kb.sources.get(adj.source or "")
            ident = f"PMID {src.pmid}" if src and src.pmid else (adj.source or "no source")
            raise InputError(
                f"no titration plan for {drug.name} on dialysis: the knowledge base gives no "
                f"dialysis dose to plan with and advises: {adj.action.rstrip('.')} ({ident}, "
                f"{adj.severity})",
                field="dialysis",
            )


def _unapplied_alerts(
    drug: Monograph, unapplied: list[tuple[RenalAdjustment, str]], shown: list[PlanAlert]
) -> tuple[PlanAlert, ...]:
    """The serious kidney advice the plan does not carry out, as alerts, unless the safety check
    already shows the same advice."""
    out = []
    for adj, why in unapplied:
        summary = f"{drug.name} with {why}: {adj.action}"
        if any(
            a.code == RENAL_DOSE_CODE and summary.startswith(a.summary.rstrip("…").rstrip())
            for a in shown
        ):
            continue
        out.append(PlanAlert(code=RENAL_DOSE_CODE, severity=adj.severity, summary=summary))
    return tuple(out)


def plan_titration(
    drug: Monograph,
    patient: Patient,
    *,
    kb: KnowledgeBase,
    start: date,
    target: Order | None = None,
    form: str | None = None,
    step_days: int | None = None,
    named: str | None = None,
) -> Plan:
    """A day-by-day titration of `drug` for `patient` starting on `start`; `named` is the name
    it was asked for by (a brand names its product: Amrix, the capsules)."""
    if step_days is not None and not 1 <= step_days <= 60:
        raise InputError("must be between 1 and 60 days", field="step_days")
    dosing = oral_dosing(drug, patient, kb, named=named, order=target)
    t = dosing.titration
    if t is None or not (t.schedule or t.step):
        raise InputError(
            f"the {drug.name} label describes no dose titration; it is taken at its usual dose "
            f"({dosing.usual_dose.text() if dosing.usual_dose else 'see the label'})",
            field="drug",
        )
    single, daily, most = _limits(drug, dosing)
    warnings: list[str] = []
    notes: list[str] = []
    citations: list[Citation] = []
    for src in (t.source or dosing.source, dosing.source):
        c = cite(kb, src, t.section or dosing.section)
        if c and c not in citations:
            citations.append(c)
    if target is None:
        if single is None or daily is None:
            raise InputError(f"give a target dose for {drug.name}", field="target")
        target_n = most
        target_dose = min(single, daily / most)
        notes.append(
            "No target was given, so the plan climbs to the labelled maximum; stop at the lowest "
            "dose that gives an adequate response."
        )
        target_text = None
    else:
        target_dose, target_n = _check_target(drug, dosing, target)
        target_text = target.text

    geriatric = geriatric_dosing(drug, patient)
    if geriatric is not None:
        for note in geriatric.notes:
            notes.append(note.text)

    fraction, renal_texts, renal_cites, unapplied = _renal_fraction(drug, patient, kb)
    _refuse_on_dialysis(drug, kb, unapplied)
    notes += renal_texts
    citations += [c for c in renal_cites if c not in citations]

    # Vet the target (with no target, the labelled maximum the plan climbs to) first: a
    # contraindication refuses; an exposure-raising finding restricts.
    probe_target = target or plan_order(drug, target_dose, target_n)
    target_alerts = vet(kb, patient, drug, probe_target, probe_target, start)
    refuse_if_contraindicated(drug, target_alerts)
    restricted = (
        bool(t.step) and not t.schedule and any(a.code in EXPOSURE_CODES for a in target_alerts)
    )
    if restricted:
        notes.append(
            "Exposure is raised (see the alerts), so the plan starts once a day at the start dose "
            "and raises the single dose before adding doses, as the label advises."
        )

    assumed: list[str] = []
    levels = _ideal_levels(dosing, target_dose, target_n, restricted, step_days, drug, assumed)
    warnings += assumed
    per_dose = [d for d, _, _ in levels]
    family = choose_formulation(drug, dosing, per_dose, form)
    unit = reduce(_gcd_mg, [dose_unit_mg(d, family) for d in per_dose])
    unit = dose_unit_mg(unit, family)

    ceiling = None
    if fraction is not None and daily is not None:
        ceiling = max(unit, math.floor(daily * fraction / unit + 1e-9) * unit)
        notes.append(
            f"Kidney function: doses are scaled to about {fraction:g} of the usual dose; the daily "
            f"ceiling here is {ceiling:g} mg."
        )

    steps: list[Step] = []
    day = start
    previous: Order | None = None
    all_alerts = []
    applied: set[str] = set()
    unit_levels: list[tuple[int, int, int]] = []
    for dose, n, hold in levels:
        units = round(dose / unit) * n
        if fraction is not None:
            units = max(1, math.floor(units * fraction + 1e-9))
            if ceiling is not None:
                units = min(units, round(ceiling / unit))
        if unit_levels and unit_levels[-1][0] == units and unit_levels[-1][1] == n:
            continue
        unit_levels.append((units, n, hold))
    for i, (units, n, hold) in enumerate(unit_levels, start=1):
        doses = doses_at([u * unit for u in spread_units(units, n)], clock_times(n), family, drug)
        level_order = order_for(drug, doses)
        alerts = vet(kb, patient, drug, previous, level_order, start)
        refuse_if_contraindicated(drug, alerts)
        if fraction is not None and not unapplied:
            applied |= {
                f"{a.summary.rstrip('.')} ({a.code})" for a in alerts if a.code == RENAL_DOSE_CODE
            }
            alerts = tuple(a for a in alerts if a.code != RENAL_DOSE_CODE)
        all_alerts.append(alerts)
        last = i == len(unit_levels)
        end = None if last else day + timedelta(days=hold - 1)
        steps.append(
            Step(
                index=i,
                start=day,
                end=end,
                days=None if last else hold,
                daily_total_mg=round(units * unit, 4),
                doses=doses,
                text=doses_text(doses),
                watch_for=_watch(drug) if i == 1 else (),
                alerts=alerts,
                note="Target reached: continue at this dose and review the response with the prescriber."
                if last
                else None,
            )
        )
        previous = level_order
        if end is not None:
            day = end + timedelta(days=1)
    final = steps[-1]
    extra = _unapplied_alerts(drug, unapplied, [a for group in all_alerts for a in group])
    if extra:
        all_alerts.append(extra)
        warnings.append(
            "Kidney function: a dose schedule cannot carry out this advice, so it stays an alert "
            "for the prescriber: " + "; ".join(a.summary for a in extra)
        )
    if fraction is not None:
        warnings += _kidney_ceiling_warning(target_dose * target_n, fraction, ceiling, final)
        if applied:
            notes.append(
                "The kidney dose alert is not repeated for each step because this plan already "
                "applies it: " + "; ".join(sorted(applied))
            )
    shown_until = final.start + timedelta(days=max(0, levels[-1][2] - 1))
    notes.append(
        f"The plan has no end date: the last dose ({final.daily_total_mg:g} mg/day) continues "
        f"until the prescriber changes it; the day list shows its first "
        f"{(shown_until - final.start).days + 1} days."
    )
    interval_text = t.interval.text() if t.interval else (f"{step_days} days" if step_days else "")
    rule = (
        f"Start at {levels[0][0]:g} mg and raise "
        + (
            "along the labelled schedule"
            if t.schedule
            else f"by {t.step.text() if t.step else ''} per dose every {interval_text}"
        )
        + (
            f" (this plan: the smaller step, every {levels[0][2]} days)"
            if t.step and not t.schedule
            else ""
        )
        + f" up to {'the target' if target else 'the labelled maximum'}."
    )
    for note in t.notes:
        notes.append(note.text)
    return Plan(
        kind="titration",
        drug=drug.id,
        drug_name=drug.name,
        formulation=family.label,
        start=start,
        end=None,
        current=None,
        target=target_text,
        duration_days=(final.start - start).days,
        rule=Rule(text=rule, citations=tuple(citations)),
        steps=tuple(steps),
        days=expand_days(steps, shown_until),
        stopping=stopping_statement(drug),
        warnings=tuple(warnings),
        notes=tuple(dict.fromkeys(notes)),
        alerts=merge_alerts(all_alerts),
        care_plan=care_plan_for(drug, kb, patient),
        knowledge_version=kb.version,
        not_checked=unchecked(kb, patient, drug, start),
    )


def _kidney_ceiling_warning(
    target_mg_day: float, fraction: float, ceiling: float | None, final: Step
) -> list[str]:
    """What kidney function did to the target, in the plan's own numbers."""
    end = final.daily_total_mg
    if abs(end - target_mg_day) < 1e-9:
        return []
    scaled = f"with every level scaled to {fraction:g} of the usual dose, the plan ends at {end:g} mg/day"
    if ceiling is not None and target_mg_day > ceiling + 1e-9:
        at = " (the ceiling)" if abs(end - ceiling) < 1e-9 else ""
        return [
            f"The target of {target_mg_day:g} mg/day is above the kidney-adjusted maximum of "
            f"{ceiling:g} mg/day; {scaled}{at}."
        ]
    return [f"Kidney function: the target is {target_mg_day:g} mg/day, but {scaled}."]


def _watch(drug: Monograph) -> tuple[str, ...]:
    common = [r.term for r in drug.adverse_reactions[:4]]
    return tuple(common)


def _gcd_mg(a: float, b: float) -> float:
    return math.gcd(round(a * 1000), round(b * 1000)) / 1000
