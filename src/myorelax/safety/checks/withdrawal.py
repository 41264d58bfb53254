"""Withdrawal on stopping or sharply reducing.

MRX-WD-001 stopping or sharply cutting a drug that needs a taper (baclofen, tizanidine,
           carisoprodol after long use, benzodiazepines)
MRX-WD-002 stopping or interrupting intrathecal baclofen (boxed warning)
"""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.knowledge.schema import Monograph
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import (
    daily_mg,
    distinct_current_lines,
    make_alert,
    order_period,
    route_of,
)
from myorelax.safety.context import CheckContext
from myorelax.units import convert


def check(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    for stop in ctx.regimen.stopping:
        drug = ctx.kb.drugs.get(stop.drug)
        if drug is None:
            continue
        alert = _stopping(ctx, drug, ctx.current_order(stop.drug) or stop, sharp=None)
        if alert:
            out.append(alert)
    # A cut is judged on the day's totals: every line of the drug now against every line ordered
    # (a split dose is several lines; cutting one of them is not stopping the drug).
    for drug_id in dict.fromkeys(o.drug for o in ctx.regimen.orders):
        drug = ctx.kb.drugs.get(drug_id)
        current = ctx.current_lines(drug_id)
        if drug is None or not current:
            continue
        new_daily = _total_mg(drug, _first_step(ctx, drug_id))
        cur_daily = _total_mg(drug, distinct_current_lines(drug, current))
        if new_daily is None or cur_daily is None:
            continue
        if cur_daily > 0 and new_daily < _sharp_cut(ctx) * cur_daily:
            alert = _stopping(ctx, drug, current[0], sharp=(cur_daily, new_daily))
            if alert:
                out.append(alert)
    return out


def _first_step(ctx: CheckContext, drug_id: str) -> list[Order]:
    """The orders of the drug taken on the first day of its orders (of a dose that changes over
    time, its first step: the later steps are not added to it)."""
    orders = [o for o in ctx.regimen.orders if o.drug == drug_id]
    first = min(order_period(ctx, o)[0] for o in orders)
    return [o for o in orders if order_period(ctx, o)[0] <= first < order_period(ctx, o)[1]]


def _total_mg(drug: Monograph, lines: list[Order]) -> float | None:
    """The day's total of these lines in mg; None when a line has no dose or frequency (nothing
    to compare)."""
    dailies = [daily_mg(drug, o) if o.frequency is not None else None for o in lines]
    return sum(d for d in dailies if d is not None) if None not in dailies else None


def _sharp_cut(ctx: CheckContext) -> float:
    """The fraction of the current daily dose below which a new one is a sharp cut (the rule's
    knowledge file); with no such step, no cut is graded as one."""
    step = ctx.rule("MRX-WD-001").step("dose_cut_sharply")
    if step is None or step.below_fraction is None:
        return 0.0
    return step.below_fraction


def _stopping(
    ctx: CheckContext, drug: Monograph, current: Order, sharp: tuple[float, float] | None
) -> Alert | None:
    taper = drug.dependence.taper
    wd = drug.dependence.withdrawal
    intrathecal = route_of(drug, current) == "intrathecal"
    if not intrathecal and (taper is None or not taper.needed):
        return None
    if taper and taper.applies_after and current.start is not None:
        used = (ctx.today - current.start).days
        if used < convert(taper.applies_after.lower, taper.applies_after.unit, "day"):
            return None
    signs = ", ".join(wd.signs) if wd and wd.signs else "withdrawal symptoms"
    what = f"cut from {sharp[0]:g} to {sharp[1]:g} mg/day" if sharp else "stopped"
    boxed = [w for w in drug.boxed_warnings if w.topic == "withdrawal"]
    if intrathecal:
        w = boxed[0] if boxed else None
        return make_alert(
            ctx,
            "MRX-WD-002",
            None,
            f"Intrathecal {drug.name.lower()} {what}: abrupt withdrawal can be fatal",
            "Abrupt interruption of intrathecal baclofen (a stopped or empty pump, a catheter "
            f"problem, a missed refill) causes {signs}. " + (w.text if w else ""),
            [drug.id],
            w,
            taper,
        )
    advice, values = "default", dict[str, str]()
    if taper and taper.min_duration:
        advice, values = "min_duration", {"duration": taper.min_duration.text()}
    elif taper and taper.suggested_duration:
        advice, values = "suggested_duration", {"duration": taper.suggested_duration.text()}
    guidance = " ".join(g.text for g in taper.guidance) if taper else ""
    return make_alert(
        ctx,
        "MRX-WD-001",
        ctx.rule("MRX-WD-001").graded(*(("dose_cut_sharply",) if sharp else ())),
        f"{drug.name} {what} without a taper: risk of withdrawal ({signs})",
        f"{drug.name} is being {what}. Abrupt stopping can cause **{signs}**. {guidance}",
        [drug.id],
        taper,
        *(wd.statements if wd else ()),
        advice=advice,
        values=values,
    )
