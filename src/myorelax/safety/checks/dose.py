"""Dose checks.

MRX-DOSE-001 single dose above the labelled maximum
MRX-DOSE-002 daily dose above the labelled maximum (of one order, or of all the orders of one
             drug by one route taken together: a split dose written as two lines)
MRX-DOSE-003 doses more often than the label allows (likewise, of one order or of them all)
MRX-DOSE-004 titration faster than the label allows (start above the start dose, or a step
             larger than the labelled step)
MRX-DOSE-005 a dose that cannot be made from the strengths that exist
"""

from __future__ import annotations

import itertools
import math
from functools import reduce

from myorelax.clinical.liquids import PARENTERAL
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.regimen import Dose, Order
from myorelax.clinical.sig import product_variants
from myorelax.errors import InputError
from myorelax.knowledge.schema import Dosing, Monograph
from myorelax.knowledge.terminology import MatchedIngredient
from myorelax.knowledge.text import join_and
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import (
    amount_in,
    daily_mg,
    dosing_for,
    fmt,
    labelled_range,
    line_key,
    make_alert,
    order_dose_mg,
    order_period,
    population_groups,
    rise_limit,
    route_maxima,
    route_of,
    step_before,
)
from myorelax.safety.context import Active, CheckContext
from myorelax.units import convert, has_dimension

_SOLID = {"tablet", "orally_disintegrating_tablet", "capsule", "oral_granules"}


def check(ctx: CheckContext) -> list[Alert]:
    alerts: list[Alert] = []
    lines = dose_lines(ctx)
    for a in lines:
        drug = ctx.monograph(a)
        if drug is None or a.order is None:
            continue
        dose_mg = order_dose_mg(drug, a.order)
        if dose_mg is None:
            continue
        dosing = dosing_for(ctx, drug, a.order)
        if dosing is None:
            continue
        alerts += _maxima(ctx, a, drug, dose_mg)
        alerts += _frequency(ctx, a, drug, dosing)
        alerts += _titration(ctx, a, drug, dosing, dose_mg)
        alerts += _strengths(ctx, a, drug, dose_mg)
    alerts += _combined(ctx, lines)
    return alerts


def dose_lines(ctx: CheckContext) -> list[Active]:
    """Every line whose dose is judged: the subjects of the check and, in a review of current
    therapy (no orders), each further current line of a drug already among them. A split dose is
    often recorded as two lines ('baclofen 10 mg every morning' and 'baclofen 20 mg at bedtime');
    the context keeps one line a drug for its other checks, the dose checks judge them all."""
    lines = list(ctx.subjects)
    if ctx.has_orders:
        return lines
    kept = {id(a.order) for a in lines}
    subjects = {a.drug for a in lines}
    for m in ctx.patient.medications:
        if m.drug in subjects and id(m) not in kept and m.drug not in ctx.stopping_ids:
            lines.append(ctx.line(m))
    return lines


def _line_text(order: Order, daily: float) -> str:
    counted = ", as needed, counted in full" if order.prn and not order.capped else ""
    return f"**{order.text}** ({fmt(daily)} mg a day{counted})"


def _combined(ctx: CheckContext, lines: list[Active]) -> list[Alert]:
    """MRX-DOSE-002 and -003 over all the lines of one drug by one route taken together, where
    no line alone is already over the limit (its own alert says so). A current line written
    twice (same dose, frequency, route and as-needed use: one prescription recorded twice, as EHR
    records often hold it) is counted once; the same order given twice is counted twice (if both
    are given, the dose is double)."""
    by_drug: dict[str, dict[tuple[object, ...], Active]] = {}
    for a in lines:
        drug = ctx.monograph(a)
        if drug is None or a.order is None or a.order.dose is None:
            continue
        # A current line recorded twice is one line; two orders are two (their sum is checked).
        key = ("order", id(a.order)) if a.is_order else line_key(drug, a.order)
        by_drug.setdefault(a.drug, {}).setdefault(key, a)
    out: list[Alert] = []
    for drug_id, distinct in by_drug.items():
        if len(distinct) < 2:
            continue
        drug = ctx.kb.drugs[drug_id]
        by_route: dict[str, list[Active]] = {}
        for a in distinct.values():
            assert a.order is not None
            by_route.setdefault(route_of(drug, a.order), []).append(a)
        for group in by_route.values():
            for together in _simultaneous(ctx, group):
                out += _combined_daily(ctx, drug, together)
                out += _combined_frequency(ctx, drug, together)
    return out


def _simultaneous(ctx: CheckContext, group: list[Active]) -> list[list[Active]]:
    """The largest sets of two or more lines of the group taken on the same days: every line
    when none says when it starts or ends; the steps of a dose that changes over time ('5 mg
    tid x 3 days then 10 mg tid') one after the other, never added up."""
    spans = []
    for a in group:
        assert a.order is not None
        spans.append((a, order_period(ctx, a.order)))
    sets: list[list[Active]] = []
    for _, (day, _end) in spans:
        on = [a for a, (first, end) in spans if first <= day < end]
        ids = {id(a) for a in on}
        if len(on) < 2 or any(ids <= {id(b) for b in other} for other in sets):
            continue
        sets = [o for o in sets if not {id(b) for b in o} <= ids] + [on]
    return sets


def _combined_daily(ctx: CheckContext, drug: Monograph, group: list[Active]) -> list[Alert]:
    limits: list[tuple[float, Dosing]] = []
    dailies: list[tuple[Order, float]] = []
    for a in group:
        assert a.order is not None
        _, entry = route_maxima(ctx, drug, a.order)
        daily = daily_mg(drug, a.order)
        if entry is None or entry.max_daily is None or daily is None:
            return []
        limit = amount_in(entry.max_daily, "mg", ctx.patient.weight_kg)
        if limit is None:
            return []  # a per-kg maximum without a weight: said by weight_not_checked
        limits.append((limit, entry))
        dailies.append((a.order, daily))
    # The lowest of the lines' maxima (the same entry for lines of one route and age group).
    limit, entry = min(limits, key=lambda t: t[0])
    assert entry.max_daily is not None
    total = sum(d for _, d in dailies)
    if total <= limit * 1.0001 or any(d > limit * 1.0001 for _, d in dailies):
        return []
    parts = " and ".join(_line_text(o, d) for o, d in dailies)
    return [
        make_alert(
            ctx,
            "MRX-DOSE-002",
            None,
            f"{drug.name} {fmt(total)} mg/day over {len(dailies)} lines exceeds the labelled "
            f"maximum of {fmt(limit)} mg/day",
            f"Taken together, {parts} give up to **{fmt(total)} mg a day**; the label's maximum "
            f"is **{entry.max_daily.text()}**. Each line alone is within it.",
            [drug.id],
            entry.max_daily,
            entry,
            advice="combined",
            values={"limit": fmt(limit)},
        )
    ]


def _combined_frequency(ctx: CheckContext, drug: Monograph, group: list[Active]) -> list[Alert]:
    per_line: list[tuple[Order, float, Dosing]] = []
    for a in group:
        o = a.order
        assert o is not None
        f = o.frequency
        if f is None or f.code == "continuous" or o.dose is None or o.dose.is_mass_rate:
            return []
        dosing = dosing_for(ctx, drug, o)
        if dosing is None or dosing.max_doses_per_day is None:
            return []
        per_line.append((o, 1.0 if f.single else (o.doses_per_day or f.doses_per_day), dosing))
    cap = min(d.max_doses_per_day.upper for _, _, d in per_line if d.max_doses_per_day)
    entry = next(
        d for _, _, d in per_line if d.max_doses_per_day and d.max_doses_per_day.upper == cap
    )
    total = sum(n for _, n, _ in per_line)
    if total <= cap + 1e-9 or any(n > cap + 1e-9 for _, n, _ in per_line):
        return []
    parts = " and ".join(f"**{o.text}** ({fmt(n)} a day)" for o, n, _ in per_line)
    return [
        make_alert(
            ctx,
            "MRX-DOSE-003",
            None,
            f"{drug.name} {fmt(total)} doses a day over {len(per_line)} lines; the label allows "
            f"at most {fmt(cap)}",
            f"Taken together, {parts} give up to **{fmt(total)} doses a day** where the label "
            f"allows at most {fmt(cap)}. Each line alone is within it.",
            [drug.id],
            entry.max_doses_per_day,
            entry,
            advice="combined",
        )
    ]


def _maxima(ctx: CheckContext, a: Active, drug: Monograph, dose_mg: float) -> list[Alert]:
    assert a.order is not None
    out: list[Alert] = []
    weight = ctx.patient.weight_kg
    single_entry, daily_entry = route_maxima(ctx, drug, a.order)
    rate = a.order.dose is not None and a.order.dose.is_mass_rate
    per_day = a.order.doses_per_day or 1
    daily = (
        dose_mg if (rate or (a.order.frequency and a.order.frequency.single)) else dose_mg * per_day
    )
    if single_entry and single_entry.max_single and not rate:
        dosing = single_entry
        assert dosing.max_single is not None
        limit = amount_in(dosing.max_single, "mg", weight)
        if limit is not None and dose_mg > limit * 1.0001:
            out.append(
                make_alert(
                    ctx,
                    "MRX-DOSE-001",
                    None,
                    f"{drug.name} {fmt(dose_mg)} mg per dose is above the labelled maximum of {fmt(limit)} mg",
                    f"The order gives **{fmt(dose_mg)} mg** per dose; the label's maximum single dose for "
                    f"{dosing.population} {dosing.route} use is **{dosing.max_single.text()}**"
                    + (
                        f" ({fmt(limit)} mg at {weight:g} kg)"
                        if weight and dosing.max_single.unit.endswith("/kg")
                        else ""
                    )
                    + ". Doses above it were not studied and raise the risk of adverse effects.",
                    [a.drug],
                    dosing.max_single,
                    dosing,
                    values={"limit": fmt(limit)},
                )
            )
    if daily_entry and daily_entry.max_daily:
        dosing = daily_entry
        assert dosing.max_daily is not None
        limit = amount_in(dosing.max_daily, "mg", weight)
        if limit is not None and daily > limit * 1.0001:
            freq = a.order.frequency.code if a.order.frequency else "?"
            out.append(
                make_alert(
                    ctx,
                    "MRX-DOSE-002",
                    None,
                    f"{drug.name} {fmt(daily)} mg/day exceeds the labelled maximum of {fmt(limit)} mg/day",
                    f"{fmt(dose_mg)} mg {freq} gives up to **{fmt(daily)} mg a day**"
                    + _counted_as(a.order)
                    + f"; the label's maximum is **{dosing.max_daily.text()}**.",
                    [a.drug],
                    dosing.max_daily,
                    dosing,
                    values={"limit": fmt(limit)},
                )
            )
    if not (daily_entry and daily_entry.max_daily):
        out += _above_labelled_range(ctx, a, drug, daily)
    return out


def _above_labelled_range(
    ctx: CheckContext, a: Active, drug: Monograph, daily: float
) -> list[Alert]:
    """Where the label sets no maximum but reports the range of maintenance doses (intrathecal
    baclofen), a daily dose above the top of that range: MRX-DOSE-002, said as outside the
    labelled range, never as above a labelled maximum."""
    assert a.order is not None
    entry, cause_known = labelled_range(ctx, drug, a.order)
    if entry is None or entry.usual_dose is None:
        return []
    u = entry.usual_dose
    top = convert(u.upper, u.unit, "mg/day")
    if daily <= top * 1.0001:
        return []
    unit = u.unit
    shown = convert(daily, "mg/day", unit)
    route = route_of(drug, a.order)
    who = {"pediatric": "children", "adult": "adults", "geriatric": "older adults"}.get(
        entry.population, "patients of all ages"
    )
    return [
        make_alert(
            ctx,
            "MRX-DOSE-002",
            # Above the range that maintained most patients, not above a labelled maximum (the
            # label sets none): a warning to confirm, one grade below the rule's.
            "moderate",
            f"{drug.name} {fmt(shown)} {unit} is above the labelled {route} maintenance range "
            f"(up to {fmt(u.upper)} {unit})",
            f"The order gives **{fmt(shown)} {unit}**. The label sets no maximum {route} dose; "
            f"the maintenance doses it reports for {who}"
            + (f" with {_conditions_text(ctx, entry)}" if entry.for_conditions else "")
            + f" are **{u.text()}**. Above that range the label's experience is thin."
            + (
                ""
                if cause_known
                else " The cause the label doses by (the origin of the spasticity) is not "
                "recorded: its lowest maintenance range is applied; record the condition for "
                "the range that fits."
            ),
            [a.drug],
            u,
            entry,
            advice="labelled_range",
            values={"limit": fmt(u.upper), "unit": unit},
        )
    ]


def _counted_as(order: Order) -> str:
    """How the day's doses of the order were counted, when that needs saying."""
    if order.capped:
        return f" (at the order's own cap of {fmt(order.doses_per_day or 0)} doses a day)"
    if order.prn:
        return " (an as-needed order counted at its full frequency)"
    return ""


def _frequency(ctx: CheckContext, a: Active, drug: Monograph, dosing: Dosing) -> list[Alert]:
    assert a.order is not None
    f = a.order.frequency
    if f is None or f.single or f.code == "continuous":
        return []
    reasons: list[str] = []
    per_day = a.order.doses_per_day or f.doses_per_day  # the order's own cap, if it states one
    if dosing.max_doses_per_day and per_day > dosing.max_doses_per_day.upper + 1e-9:
        reasons.append(
            f"{per_day:g} doses a day where the label allows at most "
            f"{dosing.max_doses_per_day.upper:g}"
        )
    elif dosing.doses_per_day and per_day > dosing.doses_per_day.upper + 1e-9:
        reasons.append(
            f"{per_day:g} doses a day where the label gives {dosing.doses_per_day.text()}"
        )
    if dosing.interval and f.interval_h and has_dimension(dosing.interval.unit, "h"):
        shortest = convert(dosing.interval.lower, dosing.interval.unit, "h")
        if f.interval_h < shortest - 1e-9:
            reasons.append(
                f"every {f.interval_h:g} h where the label's interval is {dosing.interval.text()}"
            )
    if not reasons:
        return []
    return [
        make_alert(
            ctx,
            "MRX-DOSE-003",
            None,
            f"{drug.name} ordered more often than the label allows ({f.code})",
            f"The order is **{f.code}**: " + "; ".join(reasons) + ".",
            [a.drug],
            dosing.max_doses_per_day or dosing.interval or dosing.doses_per_day,
            dosing,
        )
    ]


def _largest_step_mg(dosing: Dosing, weight_kg: float | None) -> tuple[float | None, str]:
    t = dosing.titration
    if t is None:
        return None, ""
    if t.step is not None:
        step = amount_in(t.step, "mg", weight_kg)
        if step is not None:
            return step, t.step_basis or "per_dose"
    doses = [mg for s in t.schedule if (mg := amount_in(s.dose, "mg", weight_kg)) is not None]
    steps = [b - a for a, b in itertools.pairwise(doses) if b > a]
    if steps:
        return max(steps), "per_dose"
    return None, ""


def _per_kg(dosing: Dosing) -> bool:
    """Whether the entry doses by weight (a per-kg start, usual dose, maximum or step)."""
    t = dosing.titration
    amounts = [dosing.start, dosing.usual_dose, dosing.max_single, dosing.max_daily]
    if t is not None:
        amounts += [t.step, *(s.dose for s in t.schedule)]
    return any(x is not None and "/kg" in x.unit for x in amounts)


def _child_orders(ctx: CheckContext) -> list[tuple[Monograph, Order]]:
    """In a child, each order with a dose of a drug with a monograph; none in an adult."""
    if not ctx.kb.patient_states.is_child(ctx.patient.age_years):
        return []
    out: list[tuple[Monograph, Order]] = []
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is not None and a.order is not None and a.order.dose is not None:
            out.append((drug, a.order))
    return out


def per_kg_not_checked(ctx: CheckContext) -> list[NotChecked]:
    """A dose per kg ('2.5 mg/kg') with no weight: its dose limits were not checked (said,
    never silent; with a weight the check reads it in mg)."""
    return [
        NotChecked(
            kind="dose",
            item=a.order.text,
            reason="missing_weight",
            detail=f"'{a.order.text}': a dose per kg and no weight recorded, so the dose limits "
            f"of {drug.name.lower()} were not checked; record the weight",
        )
        for a in ctx.subjects
        if (drug := ctx.monograph(a)) is not None
        and a.order is not None
        and a.order.dose is not None
        and has_dimension(a.order.dose.unit, "mg/kg")
    ]


def route_not_checked(ctx: CheckContext) -> list[NotChecked]:
    """A dose by a route the drug has no labelled dosing for here (tizanidine 'PR', diazepam
    'IV' or by nasal spray): its dose limits were not checked (said, never silent); where the
    drug has no product by that route at all, that is said too."""
    out: list[NotChecked] = []
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None or a.order is None or a.order.dose is None:
            continue
        route = route_of(drug, a.order)
        if any(d.route == route for d in drug.dosing):
            continue
        name = drug.name.lower()
        # An injection serves intravenous and intramuscular orders alike.
        served = PARENTERAL if route in PARENTERAL else (route,)
        products = [p for p in drug.products if p.route in served]
        if products:
            forms = join_and(sorted({p.form.replace("_", " ") for p in products}))
            why = f"the knowledge base has no labelled {route} dosing of {name} (only its {forms})"
        else:
            routes = join_and(sorted({p.route for p in drug.products}))
            why = f"{name} has no {route} product here (its products are {routes})"
        out.append(
            NotChecked(
                kind="dose",
                item=a.order.text,
                reason="no_route_dosing",
                detail=f"'{a.order.text}': {why}; the dose limits by this route were not checked",
            )
        )
    return out


def weight_not_checked(ctx: CheckContext) -> list[NotChecked]:
    """A child on a drug whose pediatric dosing is per kg, with no weight: the weight-based
    dose limits were not checked (said, never silent)."""
    if ctx.patient.weight_kg is not None:
        return []
    return [
        NotChecked(
            kind="patient_fact",
            item="weight",
            reason="missing_weight",
            detail=f"weight unknown: the weight-based (per kg) pediatric dosing of "
            f"{drug.name.lower()} ('{order.text}') was not checked; record the weight",
        )
        for drug, order in _child_orders(ctx)
        if (dosing := dosing_for(ctx, drug, order)) is not None
        and dosing.population == "pediatric"
        and _per_kg(dosing)
    ]


def pediatric_not_checked(ctx: CheckContext) -> list[NotChecked]:
    """A child on a drug whose label gives neither a minimum age nor pediatric dosing for the
    order's route (chlorzoxazone): its dose was checked against the adult dosing only (said,
    never silent). A label with a minimum age says who its dosing is for (MRX-POP-001 below it)."""
    return [
        NotChecked(
            kind="patient_fact",
            item="age",
            reason="no_label_statement",
            detail=f"the {drug.name.lower()} label gives no pediatric dosing or minimum age: "
            f"in a child of {fmt(ctx.patient.age_years or 0)} years, '{order.text}' was checked "
            "against the adult dosing only",
        )
        for drug, order in _child_orders(ctx)
        if drug.populations.min_age_for(route := route_of(drug, order)) is None
        and not any(d.population == "pediatric" and d.route == route for d in drug.dosing)
    ]


def _conditions_text(ctx: CheckContext, entry: Dosing) -> str:
    names = [
        ctx.kb.conditions[c].name.lower() for c in entry.for_conditions if c in ctx.kb.conditions
    ]
    return " or ".join(names) if names else entry.id


def _relative_rise(ctx: CheckContext, a: Active, drug: Monograph, current: Order) -> list[Alert]:
    """A rise of the daily dose larger than the largest labelled relative step (intrathecal
    baclofen: 10-30% once a day for spinal, 5-15% for cerebral spasticity)."""
    assert a.order is not None
    entry, cause_known = rise_limit(ctx, drug, a.order)
    if entry is None or entry.titration is None or entry.titration.max_increase is None:
        return []
    t = entry.titration
    inc = t.max_increase
    assert inc is not None
    new_daily, cur_daily = daily_mg(drug, a.order), daily_mg(drug, current)
    if new_daily is None or not cur_daily:
        return []
    limit = convert(inc.upper, inc.unit, "percent")
    rise = (new_daily / cur_daily - 1) * 100
    if rise <= limit + 1e-6:
        return []
    interval = t.interval.text() if t.interval else "step"
    return [
        make_alert(
            ctx,
            "MRX-DOSE-004",
            None,
            f"{drug.name} daily dose raised by {fmt(rise)}%; the label raises it by at most "
            f"{fmt(limit)}% per {interval}",
            f"Current: **{current.text}**; new: **{a.order.text}**, a rise of **{fmt(rise)}%** "
            f"of the daily dose. The label's largest rise is {inc.text()} once per {interval}"
            + (f" ({inc.note})" if inc.note else "")
            + "."
            + (
                ""
                if cause_known
                else " The cause the label doses by (the origin of the spasticity) is not "
                f"recorded: the smallest labelled rise is applied ({fmt(limit)}%, the step for "
                f"{_conditions_text(ctx, entry)}); record the condition for the step that fits."
            ),
            [a.drug],
            inc,
            t,
            entry,
            advice="relative_rise",
            values={"limit": fmt(limit), "interval": interval},
        )
    ]


def _geriatric_start(
    ctx: CheckContext, drug: Monograph, order: Order, matched: Dosing
) -> Dosing | None:
    """The geriatric entry that starts low and raises gradually (a start and a titration) for
    this route and the products of the entry the order matched, where the patient is of its age
    (`population_groups` puts geriatric first only then)."""
    if population_groups(ctx, drug, order)[:1] != ("geriatric",):
        return None
    route = route_of(drug, order)
    return next(
        (
            d
            for d in drug.dosing
            if d.population == "geriatric"
            and d.route == route
            and d.start is not None
            and (t := d.titration) is not None
            and (t.step or t.schedule or t.gradual)
            and (not d.products or not matched.products or set(d.products) & set(matched.products))
        ),
        None,
    )


def _titration(
    ctx: CheckContext, a: Active, drug: Monograph, dosing: Dosing, dose_mg: float
) -> list[Alert]:
    assert a.order is not None
    if not a.is_order or (a.order.frequency and a.order.frequency.single):
        return []  # a current line is not a step; a single dose is not a titration
    before = step_before(ctx, a.order)
    # A later step of a changing dose is judged as a change from the step before it.
    lines = (before,) if before is not None else ctx.current_lines(a.drug)
    if any(line_key(drug, m) == line_key(drug, a.order) for m in lines):
        return []  # a line that goes on unchanged (one of several lines of the drug)
    code = a.order.frequency.code if a.order.frequency else None
    current = next(
        (m for m in lines if m.frequency and m.frequency.code == code),
        lines[0] if lines else None,
    )
    if current is None:
        # An older patient's new start is judged on the geriatric start where the label gives
        # one (diazepam: 2-2.5 mg), even when the dose falls in an adult entry's usual range.
        dosing = _geriatric_start(ctx, drug, a.order, dosing) or dosing
    t = dosing.titration
    cited = t or dosing
    weight = ctx.patient.weight_kg
    if current is None:
        start = dosing.start
        if start is None and t is not None and t.schedule:
            start = t.schedule[0].dose
        if start is None:
            return []
        start_mg = amount_in(start, "mg", weight)
        if start_mg is None:
            return []  # a per-kg start without a weight: said by weight_not_checked
        if dose_mg <= start_mg * 1.0001 or not (t and (t.step or t.schedule or t.gradual)):
            return []
        at_weight = f" ({fmt(start_mg)} mg at {weight:g} kg)" if "/kg" in start.unit else ""
        return [
            make_alert(
                ctx,
                "MRX-DOSE-004",
                None,
                f"{drug.name} starts at {fmt(dose_mg)} mg, above the labelled starting dose of {fmt(start_mg)} mg",
                f"{drug.name} is not among the current medications, so this is a new start at "
                f"**{fmt(dose_mg)} mg** per dose; the label starts "
                + (f"{dosing.population} patients " if at_weight else "")
                + ("older patients " if dosing.population == "geriatric" else "")
                + f"at **{start.text()}**{at_weight} and raises the dose gradually.",
                [a.drug],
                start,
                cited,
                dosing,
                advice="start",
                values={"dose": fmt(start_mg), "drug_id": drug.id},
            )
        ]
    current_mg = order_dose_mg(drug, current)
    if current_mg is None:
        return []
    rise = _relative_rise(ctx, a, drug, current)
    if rise:
        return rise
    step, basis = _largest_step_mg(dosing, weight)
    if step is None:
        return []
    if basis == "per_day":
        cur_daily = current_mg * (current.doses_per_day or 1)
        new_daily = dose_mg * (a.order.doses_per_day or 1)
        delta, unit_text = new_daily - cur_daily, "mg/day"
    else:
        delta, unit_text = dose_mg - current_mg, "mg per dose"
    if delta <= step * 1.0001:
        return []
    interval = t.interval.text() if t and t.interval else "the labelled interval"
    return [
        make_alert(
            ctx,
            "MRX-DOSE-004",
            None,
            f"{drug.name} raised by {fmt(delta)} {unit_text}; the label steps by at most {fmt(step)}",
            f"Current: **{current.text}**; new: **{a.order.text}**. The rise of {fmt(delta)} {unit_text} "
            f"is larger than the labelled step of {fmt(step)} {unit_text} every {interval}.",
            [a.drug],
            cited,
            dosing,
            values={"limit": fmt(step), "unit": unit_text},
        )
    ]


def _units_of(drug: Monograph, route: str) -> tuple[list[float], bool]:
    units: list[float] = []
    liquid = False
    for p in drug.products:
        if p.route != route:
            continue
        if p.form not in _SOLID:
            liquid = True
            continue
        for s in p.strengths:
            if s.value is None or not has_dimension(s.unit, "mg"):
                continue
            mg = convert(s.value, s.unit, "mg")
            units += [mg / k for k in p.piece_divisors]
    return units, liquid


def dose_is_makeable(dose_mg: float, units_mg: list[float], max_units: int = 12) -> bool:
    """Whether `dose_mg` is a sum of at most `max_units` pieces of the given sizes."""
    ints = [round(u * 1000) for u in units_mg if u > 0]
    target = round(dose_mg * 1000)
    if not ints or abs(target - dose_mg * 1000) > 1e-6 * max(1.0, dose_mg * 1000):
        return False
    g = reduce(math.gcd, ints)
    if target % g:
        return False
    sizes = sorted({i // g for i in ints})
    goal = target // g
    if goal > 200_000:
        return True  # beyond a sane table; do not guess against the prescriber
    best = [math.inf] * (goal + 1)
    best[0] = 0
    for v in range(1, goal + 1):
        for s in sizes:
            if s <= v and best[v - s] + 1 < best[v]:
                best[v] = best[v - s] + 1
    return best[goal] <= max_units


def _whole_units_of_a_product(ctx: CheckContext, a: Active) -> bool:
    """Whether the order is whole tablets of a product that exists: a clinical or branded drug
    of the product index whose strengths are the line's strengths per tablet, every ingredient
    of a combination included ('Soma Compound with Codeine 1 tab': carisoprodol 200 mg with
    aspirin 325 mg and codeine 16 mg). Such a dose is made by taking the tablets, whatever the
    single-ingredient strengths are. Combinations only: a single-ingredient dose stays judged
    against the monograph's marketed strengths (the index also holds products long gone)."""
    order = a.order
    assert order is not None
    tablets = order.tablets or 1.0
    if not float(tablets).is_integer() or len(order.components or ()) < 2:
        return False
    ids = order.components
    per_tablet: dict[str, Dose] = {}
    for b in ctx.subjects:
        o = b.order
        if o is not None and o.text == order.text and o.components == order.components and o.dose:
            per_tablet.setdefault(o.drug, o.dose)
    if set(per_tablet) != set(ids):
        return False
    term = ctx.terminology
    ingredients = [MatchedIngredient(ingredient=term.ingredient(i), written=i) for i in ids]
    for variant in product_variants(term, ingredients):
        try:
            if all(
                math.isclose(
                    convert(m.strength or 0.0, m.unit or "mg", per_tablet[m.ingredient.id].unit),
                    per_tablet[m.ingredient.id].value,
                    rel_tol=1e-9,
                )
                for m in variant
            ):
                return True
        except InputError:
            continue
    return False


def _strengths(ctx: CheckContext, a: Active, drug: Monograph, dose_mg: float) -> list[Alert]:
    assert a.order is not None
    if a.order.dose is None or not a.order.dose.is_mass:
        return []
    route = route_of(drug, a.order)
    units, liquid = _units_of(drug, route)
    if not units or (liquid and a.order.tablets is None):
        return []
    if dose_is_makeable(dose_mg, units) or _whole_units_of_a_product(ctx, a):
        return []
    shown = ", ".join(
        f"{p.form.replace('_', ' ')} "
        + "/".join(f"{s.value:g}" for s in p.strengths if s.value)
        + f" {p.strengths[0].unit}"
        + (" (scored)" if p.scored else "")
        for p in drug.products
        if p.route == route and p.form in _SOLID and p.strengths
    )
    product = next((p for p in drug.products if p.route == route), None)
    return [
        make_alert(
            ctx,
            "MRX-DOSE-005",
            None,
            f"{drug.name} {fmt(dose_mg)} mg cannot be made from the strengths that exist",
            f"Available {route} forms: {shown}. {fmt(dose_mg)} mg is not a whole number of tablets "
            "(splitting only scored tablets, along their score).",
            [a.drug],
            product,
        )
    ]
