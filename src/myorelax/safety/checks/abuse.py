"""Abuse and dependence.

MRX-ABUSE-001 a controlled substance (carisoprodol, diazepam, meprobamate) with a history of
              substance use disorder
MRX-ABUSE-002 long-term use of a controlled muscle relaxant beyond its labelled duration
"""

from __future__ import annotations

from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import dosing_for, fmt, make_alert
from myorelax.safety.context import CheckContext
from myorelax.units import convert

SUD = frozenset({"substance_use_disorder", "opioid_use_disorder", "alcohol_use_disorder"})


def check(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    history = sorted(ctx.patient.has_condition & SUD)
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        schedule = drug.identifiers.dea_schedule
        if schedule.value == "not_controlled":
            continue
        if history:
            names = ", ".join(ctx.kb.conditions[h].name.lower() for h in history)
            abuse = drug.dependence.abuse[0] if drug.dependence.abuse else None
            out.append(
                make_alert(
                    ctx,
                    "MRX-ABUSE-001",
                    None,
                    f"{drug.name} (Schedule {schedule.value}) in a patient with {names}",
                    f"The patient has a history of **{names}**. {drug.name} is a Schedule "
                    f"{schedule.value} controlled substance"
                    + (f": {abuse.text}" if abuse else "."),
                    [a.drug],
                    schedule,
                    abuse,
                )
            )
        current = ctx.current_order(a.drug)
        if current is None or current.start is None:
            continue
        dosing = dosing_for(ctx, drug, current)
        if dosing is None or dosing.max_duration is None:
            continue
        used_days = (ctx.today - current.start).days
        limit = convert(dosing.max_duration.upper, dosing.max_duration.unit, "day")
        if used_days > limit:
            out.append(
                make_alert(
                    ctx,
                    "MRX-ABUSE-002",
                    None,
                    f"{drug.name} taken for {used_days} days, beyond the labelled {dosing.max_duration.text()}",
                    f"{drug.name} was started on {current.start.isoformat()} ({used_days} days "
                    f"ago); the label limits use to {dosing.max_duration.text()}. Long-term use of "
                    f"a Schedule {schedule.value} drug leads to dependence.",
                    [a.drug],
                    dosing.max_duration,
                    dosing,
                    values={"days": fmt(used_days)},
                )
            )
    return out
