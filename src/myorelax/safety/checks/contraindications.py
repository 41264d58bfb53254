"""Contraindicated conditions and allergies.

MRX-CI-001 a condition the label lists as a contraindication
MRX-CI-002 an allergy to the drug, its class, or a cross-reacting drug the label names
"""

from __future__ import annotations

from myorelax.errors import UnknownDrugError
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import make_alert
from myorelax.safety.context import CheckContext


def allergy_ingredients(ctx: CheckContext) -> dict[str, frozenset[str]]:
    """Each recorded allergy resolved to (ingredient id and its classes); group ids stand for
    themselves; unresolvable allergies are left out (the engine reports them)."""
    out: dict[str, frozenset[str]] = {}
    for text in ctx.patient.allergies or ():
        key = text.strip().lower().replace(" ", "_")
        if key in ctx.kb.groups:
            out[text] = frozenset({key})
            continue
        try:
            match = ctx.terminology.resolve_medication(text, field="allergies")
        except UnknownDrugError:
            continue
        out[text] = frozenset(
            x for m in match.ingredients for x in (m.ingredient.id, *m.ingredient.groups)
        )
    return out


def check(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    conditions = ctx.patient.has_condition
    allergies = allergy_ingredients(ctx)
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        for ci in drug.contraindications:
            if ci.condition and ci.condition in conditions:
                cond = ctx.kb.conditions[ci.condition].name
                out.append(
                    make_alert(
                        ctx,
                        "MRX-CI-001",
                        None,
                        f"{drug.name} is contraindicated in {cond.lower()}",
                        f"The patient has **{cond}**. Label: {ci.text}",
                        [a.drug],
                        f"{drug.name} can worsen {cond.lower()}.",
                        f"Do not use {drug.name}; choose an alternative suited to this condition.",
                        ci,
                    )
                )
        for text, covers in allergies.items():
            reasons: list[str] = []
            cited = None
            if a.drug in covers:
                reasons.append(f"allergy recorded to {text}")
            for ci in drug.contraindications:
                if ci.allergy and ci.allergy in covers and ci.allergy != a.drug:
                    reasons.append(f"allergy to {text}; label: {ci.text}")
                    cited = ci
            if not reasons and covers & set(a.groups) - {"cns_depressants"}:
                shared = sorted(covers & set(a.groups) - {"cns_depressants"})
                reasons.append(f"allergy to {text}, which shares the class {', '.join(shared)}")
            if not reasons:
                continue
            hyper = next((c for c in drug.contraindications if c.allergy == a.drug), None)
            out.append(
                make_alert(
                    ctx,
                    "MRX-CI-002",
                    None,
                    f"{drug.name} with a recorded allergy ({text})",
                    "; ".join(reasons) + ".",
                    [a.drug],
                    "Hypersensitivity reactions, including cross-reactivity within a class.",
                    f"Do not give {drug.name}; confirm the allergy history and choose an unrelated drug.",
                    cited or hyper,
                )
            )
    return out
