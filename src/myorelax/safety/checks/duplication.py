"""Therapeutic duplication.

MRX-DUP-001 two or more skeletal muscle relaxants taken regularly by an older adult (STOPP A3);
            antispasticity agents combined with each other are exempt
MRX-DUP-002 a drug with its own active metabolite (carisoprodol with meprobamate)
"""

from __future__ import annotations

from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import fmt, make_alert
from myorelax.safety.context import CheckContext

GROUP = "skeletal_muscle_relaxants"


def check(ctx: CheckContext) -> list[Alert]:
    return _relaxants(ctx) + _metabolites(ctx)


def _relaxants(ctx: CheckContext) -> list[Alert]:
    """MRX-DUP-001 as its trigger says: at least `at_least` distinct drugs of the class taken
    regularly (an as-needed order is not a duplicate class prescription), not all of them
    exempt (antispasticity agents combined on purpose)."""
    trigger = ctx.kb.rules["MRX-DUP-001"].trigger
    assert trigger is not None and trigger.distinct_of is not None  # checked at load
    relaxants = [
        a
        for a in ctx.active
        if a.covered_by(trigger.distinct_of)
        and not (trigger.regular_use_only and a.order is not None and a.order.prn)
    ]
    if len(relaxants) < (trigger.at_least or 2) or not ctx.involved(*relaxants):
        return []
    exempt = trigger.exempt_when_all
    if exempt is not None and all(a.covered_by(exempt) for a in relaxants):
        return []
    age = ctx.patient.age_years
    from_age = ctx.from_age("MRX-DUP-001")
    if age is not None and age < from_age:
        return []
    names = ", ".join(a.name for a in relaxants)
    who = (
        f"The patient is {fmt(age)}"
        if age is not None
        else f"Age unknown (the rule applies from {fmt(from_age)})"
    )
    severity, step = trigger.grade(len(relaxants))
    assert severity is not None  # every trigger has its severity (checked at load)
    rule = ctx.rule("MRX-DUP-001")
    return [
        make_alert(
            ctx,
            "MRX-DUP-001",
            severity,
            f"{len(relaxants)} muscle relaxants taken regularly at once: {names}",
            f"Taken regularly together: **{names}**. {who}. Two drugs of one class are a "
            "duplication in older adults (STOPP A3); muscle relaxants are not shown to work better "
            "together, and their sedation, dizziness and falls add up"
            + (f" ({step.reason})." if step is not None else "."),
            [a.drug for a in relaxants],
            # The step that graded it first, then the rule's evidence (as before).
            *((step, *rule.evidence) if step is not None else ()),
        )
    ]


def _metabolites(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    present = {a.drug: a for a in ctx.active}
    for a in ctx.active:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        for m in drug.active_metabolites:
            b = present.get(m.drug)
            if b is None or m.duplication is None or not ctx.involved(a, b):
                continue
            out.append(
                make_alert(
                    ctx,
                    "MRX-DUP-002",
                    m.duplication,
                    f"{a.name} with {b.name}, its own active metabolite",
                    f"**{a.name}** is converted to **{b.name}** in the body; giving {b.name} as "
                    f"well adds it on top of what {a.name} makes, with additive sedation, CNS "
                    "and respiratory depression and dependence.",
                    [a.drug, b.drug],
                    m,
                    *ctx.rule("MRX-DUP-002").evidence,
                    values={"drug": a.name, "other": b.name},
                )
            )
    return out
