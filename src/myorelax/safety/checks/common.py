"""Helpers shared by the checks: alert construction, dosing lookup, dose arithmetic."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from myorelax.clinical.liquids import volume_dose_mg
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import (
    Amount,
    Cited,
    Dosing,
    Monograph,
    Severity,
    applies_from_age,
    labelled_range_for,
    rise_limit_for,
)
from myorelax.pk.exposure import ExposureRatio
from myorelax.safety.alert import Alert, ExposureEstimate, shorten
from myorelax.safety.context import CheckContext
from myorelax.units import convert, has_dimension, plain_number


def make_alert(
    ctx: CheckContext,
    code: str,
    severity: Severity | None,
    summary: str,
    detail: str,
    drugs: tuple[str, ...] | list[str],
    *cited: Cited | None,
    advice: str = "default",
    values: Mapping[str, str] | None = None,
    exposure: ExposureEstimate | None = None,
) -> Alert:
    """An alert of rule `code`. Its mechanism and recommendation are the rule's advice for the
    branch `advice` (its knowledge file), filled from `values`; a value the templates need and
    the check did not give is a defect (KnowledgeError), never a literal "{drug}"."""
    rule = ctx.rule(code)
    mechanism, recommendation = rule.advised(advice, values or {})
    return Alert(
        code=code,
        # None: the rule's own severity (its knowledge file); a check passes one only where the
        # rule says the severity comes from elsewhere (the monograph, the trigger, a step).
        severity=rule.graded() if severity is None else severity,
        summary=shorten(summary),
        detail=detail,
        drugs=tuple(dict.fromkeys(drugs)),
        mechanism=mechanism,
        recommendation=recommendation,
        exposure=exposure,
        # Drug-specific citations when the check has them; the rule's general evidence otherwise.
        evidence=ctx.evidence(*cited, rule=None if any(c and c.source for c in cited) else rule),
    )


def route_of(drug: Monograph, order: Order) -> str:
    if order.route:
        return order.route
    if order.dose is not None and order.dose.is_mass_rate:
        return "intrathecal"
    routes = [p.route for p in drug.products]
    return "oral" if "oral" in routes else (routes[0] if routes else "oral")


def _candidates(ctx: CheckContext, drug: Monograph, order: Order) -> list[Dosing]:
    route = route_of(drug, order)
    entries = [d for d in drug.dosing if d.route == route]
    age = ctx.patient.age_years
    wanted = ["adult", "all"]
    if ctx.kb.patient_states.is_child(age):
        wanted = ["pediatric", "all", "adult"]
    elif age is not None and any(applies_from_age(d, age) for d in entries):
        wanted = ["geriatric", "adult", "all"]
    for pop in wanted:
        chosen = [d for d in entries if d.population == pop]
        if chosen:
            return chosen + [d for d in entries if d.population != pop]
    return entries


def population_groups(ctx: CheckContext, drug: Monograph, order: Order) -> tuple[str, ...]:
    """The populations whose dosing entries apply to this patient for the order's route (entries
    for "all" apply to everyone besides): a child's pediatric entries where the route has them,
    an older adult's geriatric entries together with the adult ones."""
    entries = _candidates(ctx, drug, order)
    first = next((d.population for d in entries if d.population != "all"), None)
    if first is None:
        return ()
    return ("geriatric", "adult") if first == "geriatric" else (first,)


def usual_contains(d: Dosing, dose_mg: float, daily_mg: float, weight: float | None) -> bool:
    """Whether the entry's usual dose (per dose or per day, per kg at `weight`) holds this dose:
    the entry an order of several (IR tablets or ER capsules) belongs to."""
    u = d.usual_dose
    if u is None:
        return False
    per_day = has_dimension(u.unit, "mg/day") or has_dimension(u.unit, "mg/kg/day")
    if per_day:
        if has_dimension(u.unit, "mg/kg/day"):
            if weight is None:
                return False
            lo = convert(u.lower, u.unit, "mg/kg/day") * weight
            hi = convert(u.upper, u.unit, "mg/kg/day") * weight
        else:
            lo, hi = convert(u.lower, u.unit, "mg/day"), convert(u.upper, u.unit, "mg/day")
        return lo - 1e-9 <= daily_mg <= hi + 1e-9
    lo_mg = amount_in(u, "mg", weight, upper=False)
    hi_mg = amount_in(u, "mg", weight)
    if lo_mg is None or hi_mg is None:
        return False
    return lo_mg - 1e-9 <= dose_mg <= hi_mg + 1e-9


def dosing_for(ctx: CheckContext, drug: Monograph, order: Order) -> Dosing | None:
    """The dosing entry for this order: its route and the patient's age group, preferring the
    entry whose usual dose contains the ordered dose (methocarbamol's initial vs maintenance
    dose; cyclobenzaprine IR vs ER; a per-kg usual dose at the patient's weight); otherwise the
    first listed. A child is never matched to an adult entry where the route has a pediatric
    one (dantrolene 25 mg daily at 10 kg is the pediatric 0.5 mg/kg start, five times over, not
    the adult 25 mg start)."""
    entries = _candidates(ctx, drug, order)
    if not entries:
        return None
    pool = entries
    if entries[0].population == "pediatric":
        pool = [d for d in entries if d.population != "adult"]
    dose = order_dose_mg(drug, order)
    if dose is not None:
        rate = order.dose is not None and order.dose.is_mass_rate
        daily = dose if rate else dose * (order.doses_per_day or 1)
        for d in pool:
            if usual_contains(d, dose, daily, ctx.patient.weight_kg):
                return d
    return entries[0]


def route_maxima(
    ctx: CheckContext, drug: Monograph, order: Order
) -> tuple[Dosing | None, Dosing | None]:
    """The entries holding the highest labelled single and daily maxima for this route (and
    age group first, with the entries for all ages, whose limits apply to everyone: the 100 mcg
    intrathecal baclofen screening bolus): an order above the highest labelled maximum is above
    the label whatever the indication."""
    entries = _candidates(ctx, drug, order)
    weight = ctx.patient.weight_kg
    age = ctx.patient.age_years
    group = entries[0].population if entries else None
    same = [d for d in entries if d.population in (group, "all")] or entries
    if ctx.kb.patient_states.is_child(age):
        same = entries  # children: pediatric entries first, then the others

    def best(attr: str) -> Dosing | None:
        scored = []
        for d in same:
            amt = getattr(d, attr)
            if amt is None:
                continue
            mg = amount_in(amt, "mg", weight)
            if mg is not None:
                scored.append((mg, d))
        return max(scored, key=lambda t: t[0])[1] if scored else None

    return best("max_single"), best("max_daily")


def labelled_range(ctx: CheckContext, drug: Monograph, order: Order) -> tuple[Dosing | None, bool]:
    """The entry whose labelled maintenance range applies for this route, the patient's age
    group and recorded conditions (where the label sets no maximum: intrathecal baclofen, 300-800
    mcg/day for spasticity of spinal origin, 90-703 for cerebral), and whether the cause it is
    for is recorded (if not, the lowest range: `labelled_range_for`)."""
    groups = population_groups(ctx, drug, order)
    return labelled_range_for(drug, route_of(drug, order), groups, ctx.patient.conditions)


def rise_limit(ctx: CheckContext, drug: Monograph, order: Order) -> tuple[Dosing | None, bool]:
    """The entry whose labelled largest rise of the daily dose applies for this route, the
    patient's age group and recorded conditions (intrathecal baclofen: 30% a day for spasticity
    of spinal origin, 15% for cerebral), and whether the cause it is for is recorded (if not,
    the smallest: `rise_limit_for`)."""
    groups = population_groups(ctx, drug, order)
    return rise_limit_for(drug, route_of(drug, order), groups, ctx.patient.conditions)


def amount_in(
    amount: Amount, unit: str, weight_kg: float | None, *, upper: bool = True
) -> float | None:
    """An amount in `unit` (mg), scaling per-kg amounts by weight; None when not convertible."""
    value = amount.upper if upper else amount.lower
    src_unit = amount.unit
    if has_dimension(src_unit, "mg/kg") and has_dimension(unit, "mg"):
        if weight_kg is None:
            return None
        return convert(value, src_unit, "mg/kg") * weight_kg
    if has_dimension(src_unit, "mg/day") and has_dimension(unit, "mg"):
        return convert(value, src_unit, "mg/day")
    if not has_dimension(src_unit, unit):
        return None
    return convert(value, src_unit, unit)


def line_key(drug: Monograph, order: Order) -> tuple[object, ...]:
    """What makes two lines of one drug the same line: dose, frequency and its clock times,
    route and as-needed use."""
    return (
        order_dose_mg(drug, order),
        order.frequency.code if order.frequency else None,
        order.frequency.times if order.frequency else (),
        order.doses_per_day,
        route_of(drug, order),
        order.prn,
    )


def distinct_current_lines(drug: Monograph, lines: Sequence[Order]) -> list[Order]:
    """A drug's current medication lines, the same line once: one prescription is often recorded
    twice (an EHR's order and its medication statement), and is not added to itself. Orders are
    never merged so: two orders are two orders (their sum is checked)."""
    return list({line_key(drug, o): o for o in reversed(lines)}.values())[::-1]


def daily_mg(drug: Monograph, order: Order) -> float | None:
    """A line's most a day in mg: an as-needed line at its full frequency or its own cap; a single
    dose or an infusion rate as given."""
    dose = order_dose_mg(drug, order)
    if dose is None:
        return None
    if (order.dose is not None and order.dose.is_mass_rate) or (
        order.frequency is not None and order.frequency.single
    ):
        return dose
    return dose * (order.doses_per_day or 1)


def order_dose_mg(drug: Monograph, order: Order) -> float | None:
    """The dose of one administration in mg; a volume is converted with the liquid's
    concentration. Raise InputError when a volume is given for a drug without a liquid form or
    with liquids of different strengths."""
    if order.dose is None:
        return None
    mg = order.dose_mg
    if mg is not None:
        return mg
    if order.dose.is_mass_rate:
        return convert(order.dose.value, order.dose.unit, "mg/day")
    if has_dimension(order.dose.unit, "mg/kg"):
        return None  # per kg without a weight (with one, the check gave it in mg): said
    if has_dimension(order.dose.unit, "mL"):
        return volume_dose_mg(drug, order)
    raise InputError(f"{order.dose.value:g} {order.dose.unit} is not a dose", field="dose")


def fmt(x: float) -> str:
    """A dose or number in an alert: 4 significant figures, never "3.5e+04"."""
    return plain_number(x)


def simulated_note(ratios: tuple[ExposureRatio, ...]) -> str:
    """One sentence with the simulator's exposure ratios (empty when there are none)."""
    if not ratios:
        return ""
    parts = [f"{r.analyte} {r.ratios_text()}" for r in ratios]
    bound = next((e for r in ratios for e in r.effects if e.lower_bound), None)
    return (
        " Simulated versus a typical adult on the same regimen: "
        + "; ".join(parts)
        + "."
        + (
            f" The exposure is a lower bound (the true one is higher): {bound.reason}."
            if bound is not None
            else ""
        )
    )


def exposure_from(
    ratios: tuple[ExposureRatio, ...], drug: str, basis: str
) -> ExposureEstimate | None:
    parent = next((r for r in ratios if r.analyte == drug), None)
    if parent is None:
        return None
    return ExposureEstimate(
        auc_ratio=round(parent.auc_ratio, 3),
        cmax_ratio=round(parent.cmax_ratio, 3),
        lower_bound=parent.lower_bound,
        basis=f"{basis}: {parent.text()}",
    )


def order_period(ctx: CheckContext, order: Order) -> tuple[int, float]:
    """The days an order covers, as day numbers: from its start (today if none) for its
    duration (open-ended if none)."""
    first = (order.start or ctx.today).toordinal()
    return first, first + math.ceil(order.duration_days) if order.duration_days else math.inf


def step_before(ctx: CheckContext, order: Order) -> Order | None:
    """The order of the same drug that ends the day this order starts: the step before it in a
    dose that changes over time."""
    first, _ = order_period(ctx, order)
    return next(
        (
            o
            for o in ctx.regimen.orders
            if o is not order
            and o.drug == order.drug
            and o.duration_days
            and order_period(ctx, o)[1] == first
        ),
        None,
    )
