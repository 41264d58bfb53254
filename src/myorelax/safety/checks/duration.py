"""Duration checks.

MRX-DUR-001 carisoprodol (or another drug with abuse potential) ordered beyond its labelled
            duration limit
MRX-DUR-002 another course beyond its labelled duration limit
"""

from __future__ import annotations

from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import dosing_for, fmt, make_alert
from myorelax.safety.context import CheckContext
from myorelax.units import convert


def check(ctx: CheckContext) -> list[Alert]:
    alerts: list[Alert] = []
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None or a.order is None or a.order.duration_days is None:
            continue
        dosing = dosing_for(ctx, drug, a.order)
        if dosing is None or dosing.max_duration is None:
            continue
        limit_days = convert(dosing.max_duration.upper, dosing.max_duration.unit, "day")
        if a.order.duration_days <= limit_days + 1e-9:
            continue
        controlled = drug.identifiers.dea_schedule.value != "not_controlled"
        code = "MRX-DUR-001" if controlled else "MRX-DUR-002"
        alerts.append(
            make_alert(
                ctx,
                code,
                None,
                f"{drug.name} for {fmt(a.order.duration_days)} days exceeds the labelled limit of "
                f"{dosing.max_duration.text()}",
                f"The order runs **{fmt(a.order.duration_days)} days**; the label limits use to "
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
