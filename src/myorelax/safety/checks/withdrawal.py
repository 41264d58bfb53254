"""Withdrawal on stopping or sharply reducing.

MRX-WD-001 stopping or sharply cutting a drug that needs a taper (baclofen, tizanidine,
           carisoprodol after long use, benzodiazepines)
MRX-WD-002 stopping or interrupting intrathecal baclofen (boxed warning)
"""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.knowledge.schema import Monograph
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import make_alert, order_dose_mg, route_of
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
    for order in ctx.regimen.orders:
        drug = ctx.kb.drugs.get(order.drug)
        current = ctx.current_order(order.drug)
        if drug is None or current is None:
            continue
        new_mg, cur_mg = order_dose_mg(drug, order), order_dose_mg(drug, current)
        if new_mg is None or cur_mg is None or order.frequency is None or current.frequency is None:
            continue
        new_daily = new_mg * (order.doses_per_day or 0.0)
        cur_daily = cur_mg * (current.doses_per_day or 0.0)
        if cur_daily > 0 and new_daily < _sharp_cut(ctx) * cur_daily:
            alert = _stopping(ctx, drug, current, sharp=(cur_daily, new_daily))
            if alert:
                out.append(alert)
    return out


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
