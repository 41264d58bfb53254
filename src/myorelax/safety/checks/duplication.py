"""Therapeutic duplication.

MRX-DUP-001 two or more skeletal muscle relaxants at once
"""

from __future__ import annotations

from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import make_alert
from myorelax.safety.context import CheckContext

GROUP = "skeletal_muscle_relaxants"


def check(ctx: CheckContext) -> list[Alert]:
    relaxants = [a for a in ctx.active if GROUP in a.groups]
    has_orders = any(a.is_order for a in ctx.active)
    if len(relaxants) < 2 or (has_orders and not any(a.is_order for a in relaxants)):
        return []
    names = ", ".join(a.name for a in relaxants)
    group = ctx.kb.groups[GROUP]
    return [
        make_alert(
            ctx,
            "MRX-DUP-001",
            "major" if len(relaxants) > 2 else "moderate",
            f"{len(relaxants)} muscle relaxants at once: {names}",
            f"Active together: **{names}**. Muscle relaxants are not shown to work better "
            "together; their sedation, dizziness and falls add up.",
            [a.drug for a in relaxants],
            "Additive CNS depression without added benefit.",
            "Use one muscle relaxant; stop the other (tapering it if it needs a taper).",
            group,
        )
    ]
