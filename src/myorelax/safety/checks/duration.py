"""Duration checks.

MRX-DUR-001 carisoprodol (or another drug with abuse potential) ordered beyond its labelled
            duration limit
MRX-DUR-002 another course beyond its labelled duration limit
"""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import dosing_for, fmt, make_alert, step_before
from myorelax.safety.context import CheckContext
from myorelax.units import convert


def _course_days(ctx: CheckContext, order: Order) -> float | None:
    """The days of the course an order ends: its own and those of the steps before it (a dose
    that changes over time, 'x 14 days then ...'), one more when its last step has no end; None
    when none says how long it runs."""
    days = [order.duration_days]
    before = step_before(ctx, order)
    seen = {id(order)}
    while before is not None and id(before) not in seen:
        seen.add(id(before))
        days.append(before.duration_days)
        before = step_before(ctx, before)
    known = [d for d in days if d is not None]
    if not known:
        return None
    # A last step with no end runs on past the steps before it: a day more than they add up to.
    return sum(known) + (1 if order.duration_days is None else 0)


def check(ctx: CheckContext) -> list[Alert]:
    alerts: list[Alert] = []
    # A step followed by another is judged with the course's last step (one alert a course).
    followed = {
        id(before)
        for a in ctx.subjects
        if a.order is not None and (before := step_before(ctx, a.order)) is not None
    }
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None or a.order is None or id(a.order) in followed:
            continue
        course = _course_days(ctx, a.order)
        if course is None:
            continue
        dosing = dosing_for(ctx, drug, a.order)
        if dosing is None or dosing.max_duration is None:
            continue
        limit_days = convert(dosing.max_duration.upper, dosing.max_duration.unit, "day")
        if course <= limit_days + 1e-9:
            continue
        steps = (
            ""
            if course == a.order.duration_days
            else " over its steps"
            if a.order.duration_days is not None
            else " or more over its steps"
        )
        controlled = drug.identifiers.dea_schedule.value != "not_controlled"
        code = "MRX-DUR-001" if controlled else "MRX-DUR-002"
        alerts.append(
            make_alert(
                ctx,
                code,
                None,
                f"{drug.name} for {fmt(course)} days{steps} exceeds the labelled limit of "
                f"{dosing.max_duration.text()}",
                f"The order runs **{fmt(course)} days**{steps}; the label limits use to "
                f"**{dosing.max_duration.text()}**"
                + (
                    f". {drug.name} is a Schedule {drug.identifiers.dea_schedule.value} controlled "
                    "substance: longer courses add to the risk of dependence and of withdrawal on "
                    "stopping."
                    if controlled
                    else ". Effectiveness beyond that period has not been shown."
                ),
                [a.drug],
                dosing.max_duration,
                dosing,
                values={"duration": dosing.max_duration.text()},
            )
        )
    return alerts
