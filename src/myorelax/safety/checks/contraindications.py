"""Contraindicated conditions and allergies.

MRX-CI-001 a condition the label lists as a contraindication (a liver condition only in the
           Child-Pugh classes the label's wording covers; a route-specific one, such as the
           methocarbamol injection in renal pathology, only for orders by that route)
MRX-CI-002 an allergy to the drug, its class, or a cross-reacting drug the label names
MRX-CI-003 a condition the label's warnings or precautions say to use the drug with caution in
           (epilepsy for baclofen, urinary retention for cyclobenzaprine), unless it is also a
           contraindication of the drug (MRX-CI-001 says it then)

Each contraindicated condition and each recorded allergy is its own finding (`Alert.finding`):
two of them for one drug are two alerts.
"""

from __future__ import annotations

import re

from myorelax.clinical.hepatic import in_classes
from myorelax.clinical.recorded_conditions import recorded_as
from myorelax.errors import UnknownDrugError
from myorelax.knowledge.schema import Contraindication, Monograph, RenalPathology
from myorelax.knowledge.schema import Warning as LabelWarning
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import fmt, make_alert
from myorelax.safety.context import Active, CheckContext
from myorelax.units import convert

ROUTE_WORDS = {"intravenous": "IV", "intramuscular": "IM"}
# The group flag of a class whose members share a chemical structure (classes.yaml).
SHARED_HYPERSENSITIVITY = "shared_hypersensitivity"


# How allergy lists write the reaction or a brand beside the drug: 'Flexeril (rash)',
# 'Cyclobenzaprine Hcl - hives', 'Carisoprodol: anaphylaxis', 'Baclofen [Lioresal]'.
_ALLERGY_REACTION = re.compile(r"\s+-\s+|\s*[:;,]\s*")
_ALLERGY_BRACKETS = re.compile(r"\s*[\[(]([^\])]*)[\])]\s*")
# Several drugs in one allergy entry: 'carisoprodol/meprobamate', 'codeine, morphine'.
_ALLERGY_LIST = re.compile(r"\s*[/,;&]\s*|\s+and\s+")


def _allergy_candidates(text: str) -> list[str]:
    """The text as recorded, then without a reaction or note in brackets or after a dash or
    colon, then a name given in brackets: the first that names a drug or class is read."""
    bare = _ALLERGY_BRACKETS.sub(" ", text).strip()
    inside = [m.group(1).strip() for m in _ALLERGY_BRACKETS.finditer(text)]
    head = _ALLERGY_REACTION.split(bare)[0].strip()
    return list(dict.fromkeys(c for c in (text.strip(), bare, head, *inside) if c))


def _class_named(ctx: CheckContext, name: str) -> str | None:
    """The class a name writes (its id with spaces or underscores, or one of its synonyms)."""
    key = name.strip().lower()
    if key.replace(" ", "_") in ctx.kb.groups:
        return key.replace(" ", "_")
    return next(
        (g.id for g in ctx.kb.groups.values() if key in (n.lower() for n in g.synonyms)), None
    )


def _one_allergy(ctx: CheckContext, text: str) -> frozenset[str] | None:
    for candidate in _allergy_candidates(text):
        group = _class_named(ctx, candidate)
        if group is not None:
            return frozenset({group})
        try:
            match = ctx.terminology.resolve_medication(candidate, field="allergies")
        except UnknownDrugError:
            continue
        return frozenset(
            x for m in match.ingredients for x in (m.ingredient.id, *m.ingredient.groups)
        )
    return None


def allergy_covers(ctx: CheckContext, text: str) -> frozenset[str] | None:
    """What one recorded allergy covers: its ingredient ids and their classes, or a class id;
    None when it names no drug or class known here (the engine says so). An entry listing
    several ('carisoprodol/meprobamate', 'codeine, morphine') covers them all when each part is
    known; otherwise the entry is read as one drug with its reaction ('Codeine, nausea'), and
    when that names nothing known either, the whole entry is said to be unknown."""
    parts = [p for p in _ALLERGY_LIST.split(text) if p.strip()]
    if len(parts) >= 2:
        read = [_one_allergy(ctx, p) for p in parts]
        if all(r is not None for r in read):
            return frozenset(x for r in read if r is not None for x in r)
    return _one_allergy(ctx, text)


def allergy_ingredients(ctx: CheckContext) -> dict[str, frozenset[str]]:
    """Each recorded allergy resolved to (ingredient id and its classes); group ids stand for
    themselves; unresolvable allergies are left out (the engine reports them)."""
    out: dict[str, frozenset[str]] = {}
    for text in ctx.patient.allergies or ():
        covers = allergy_covers(ctx, text)
        if covers is not None:
            out[text] = covers
    return out


def route_applies(ci: Contraindication, a: Active) -> tuple[bool, str | None]:
    """Whether a route-specific contraindication concerns this drug's order, and the order's
    route (None: not stated; the caller says so rather than assume either route)."""
    route = a.order.route if a.order is not None else None
    if not ci.routes:
        return True, route
    return route is None or route in ci.routes, route


def unstated_route_findings(ctx: CheckContext, a: Active) -> list[tuple[Contraindication, str]]:
    """Route-specific contraindications the patient meets (a condition or renal pathology) on an
    order that does not state its route: no alert is made of them, and they are said as not
    checked (an order without a route is most often the oral form)."""
    drug = ctx.monograph(a)
    if drug is None or a.order is None or a.order.route is not None:
        return []
    out: list[tuple[Contraindication, str]] = []
    for ci in drug.contraindications:
        if not ci.routes:
            continue
        if ci.renal is not None:
            why = renal_pathology(ctx, ci.renal)
            if why is not None:
                out.append((ci, f"renal pathology ({why})"))
        elif (
            ci.condition
            and ci.condition in ctx.patient.has_condition
            and in_classes(ci.child_pugh, ctx.patient.child_pugh)
        ):
            out.append((ci, ctx.kb.conditions[ci.condition].name.lower()))
    return out


def renal_contraindications(ctx: CheckContext, a: Active) -> list[Contraindication]:
    """The drug's contraindications in kidney disease that concern this order's route."""
    drug = ctx.monograph(a)
    if drug is None:
        return []
    return [ci for ci in drug.contraindications if ci.renal and route_applies(ci, a)[0]]


def renal_pathology(ctx: CheckContext, crit: RenalPathology) -> str | None:
    """What puts the patient within a contraindication's renal pathology (a recorded kidney
    condition, dialysis, a CrCl or eGFR below its threshold), or None."""
    k = ctx.kidney
    found = [c for c in crit.conditions if c in ctx.patient.has_condition]
    if found:
        names = ", ".join(ctx.kb.conditions[c].name.lower() for c in found)
        return f"recorded {names}"
    if crit.dialysis and k.dialysis:
        return "on dialysis"
    for value, below, label, basis in (
        (k.crcl_ml_min, crit.crcl_below, "CrCl", k.crcl_basis),
        (k.egfr_ml_min, crit.egfr_below, "eGFR", k.egfr_basis),
    ):
        if (
            value is not None
            and below is not None
            and value < convert(below.upper, below.unit, "mL/min")
        ):
            return f"{label} {fmt(value)} mL/min ({basis}), below {below.text()}"
    return None


def _sentence_case(text: str) -> str:
    return text[:1].lower() + text[1:]


def _condition_alerts(
    ctx: CheckContext, a: Active, drug: Monograph, conditions: frozenset[str]
) -> list[Alert]:
    """One alert per contraindicated condition the patient has (the label's entries that name
    the same condition together)."""
    cp = ctx.patient.child_pugh
    by_condition: dict[str, list[Contraindication]] = {}
    for ci in drug.contraindications:
        if not ci.condition or ci.condition not in conditions or _exempt(ctx, ci):
            continue
        applies, route = route_applies(ci, a)
        if not in_classes(ci.child_pugh, cp) or not applies or (ci.routes and route is None):
            continue
        by_condition.setdefault(ci.condition, []).append(ci)
    out: list[Alert] = []
    for cid, cis in by_condition.items():
        cond = ctx.kb.conditions[cid].name
        graded = [ci for ci in cis if ci.child_pugh]
        what = _sentence_case(graded[0].text) if graded else cond.lower()
        detail = f"The patient has **{cond}**"
        if graded:
            classes = " or ".join(sorted({c for ci in graded for c in ci.child_pugh}))
            detail += (
                f" (Child-Pugh class {cp}); the label's wording is read as Child-Pugh {classes}"
                if cp
                else f" with no Child-Pugh class recorded; the label's wording is read as "
                f"Child-Pugh {classes}, taken to apply until the class is recorded"
            )
        detail += ". Label: " + "; ".join(ci.text for ci in cis)
        if any(ci.exempt for ci in cis) and cid in ctx.recorded_conditions:
            detail += (
                f". The {cond.lower()} is recorded without its kind, so it is taken to be one the "
                "label names until its kind is recorded"
            )
        out.append(
            make_alert(
                ctx,
                "MRX-CI-001",
                None,
                f"{drug.name} is contraindicated in {what}",
                detail + ".",
                [a.drug],
                *cis,
                values={"drug": drug.name, "condition": cond.lower()},
            ).model_copy(update={"finding": f"condition:{cid}"})
        )
    return out


def _exempt(ctx: CheckContext, ci: Contraindication) -> bool:
    """Whether each recorded condition that meets `ci.condition` is a kind the label leaves out
    (open-angle glaucoma for diazepam); one recorded without its kind is never exempt."""
    if not ci.exempt or ci.condition is None:
        return False
    found = recorded_as(ctx.recorded_conditions, ci.condition, ctx.kb)
    return bool(found) and found <= set(ci.exempt)


def _precaution_alerts(
    ctx: CheckContext, a: Active, drug: Monograph, conditions: frozenset[str], done: set[str]
) -> list[Alert]:
    """One alert per condition the label's warnings say to use the drug with caution in (the
    warnings that name the same condition together), leaving out those in `done` (already a
    contraindication of this drug)."""
    by_condition: dict[str, list[LabelWarning]] = {}
    for w in drug.warnings:
        for cid in w.conditions:
            if cid in conditions and cid not in done:
                by_condition.setdefault(cid, []).append(w)
    out: list[Alert] = []
    for cid, ws in by_condition.items():
        cond = ctx.kb.conditions[cid].name
        out.append(
            make_alert(
                ctx,
                "MRX-CI-003",
                None,
                f"{drug.name} in {cond.lower()}: the label says to use it with caution",
                f"The patient has **{cond}**. Label: " + " ".join(w.text for w in ws),
                [a.drug],
                *ws,
                values={"drug": drug.name, "condition": cond.lower()},
            ).model_copy(update={"finding": f"precaution:{cid}"})
        )
    return out


def _renal_alerts(ctx: CheckContext, a: Active, drug: Monograph) -> list[Alert]:
    """Contraindications in renal pathology (route-specific ones for that route only)."""
    out: list[Alert] = []
    for ci in renal_contraindications(ctx, a):
        assert ci.renal is not None
        why = renal_pathology(ctx, ci.renal)
        if why is None:
            continue
        _, route = route_applies(ci, a)
        routes = "/".join(ROUTE_WORDS.get(r, r) for r in ci.routes)
        if not ci.routes:
            subject = drug.name
        elif route is None:
            # Said as not checked (engine.not_checked): an order written without a route is
            # most often the tablets, which this contraindication does not concern.
            continue
        else:
            subject = f"{drug.name} {ROUTE_WORDS.get(route, route)}"
        out.append(
            make_alert(
                ctx,
                "MRX-CI-001",
                None,
                f"{subject} is contraindicated in renal pathology ({why.split(' (')[0]})",
                f"The patient has **{why}**. Label: {ci.text}."
                + (f" {ci.renal.note}" if ci.renal.note else ""),
                [a.drug],
                ci,
                ci.renal,
                advice="renal_route" if ci.routes else "renal",
                values={"drug": drug.name, "routes": routes},
            ).model_copy(update={"finding": f"contraindication:{ci.id}"})
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
        contraindicated = _condition_alerts(ctx, a, drug, conditions)
        out += contraindicated
        done = {x.finding.removeprefix("condition:") for x in contraindicated}
        out += _precaution_alerts(ctx, a, drug, conditions, done)
        out += _renal_alerts(ctx, a, drug)
        for text, covers in allergies.items():
            reasons: list[str] = []
            cited = None
            if a.drug in covers:
                reasons.append(f"allergy recorded to {text}")
            elif len(covers) == 1 and next(iter(covers)) in ctx.kb.groups and covers <= a.groups:
                # The allergy recorded is a class ('benzodiazepines'): it names every member.
                reasons.append(f"allergy recorded to {text}, the class of {drug.name}")
            for ci in drug.contraindications:
                if ci.allergy and ci.allergy in covers and ci.allergy != a.drug:
                    reasons.append(f"allergy to {text}; label: {ci.text}")
                    cited = ci
            by_class = False
            # Only a class whose members share a structure (flag shared_hypersensitivity:
            # the benzodiazepines, the carbamates) carries an allergy to its other members; a
            # class of use or effect (muscle relaxants, anticholinergics) does not.
            shared = sorted(
                g
                for g in covers & set(a.groups)
                if g in ctx.kb.groups and SHARED_HYPERSENSITIVITY in ctx.kb.groups[g].flags
            )
            if not reasons and shared:
                names = ", ".join(ctx.kb.groups[g].name.lower() for g in shared)
                reasons.append(
                    f"allergy to {text}, which is of the same structural class ({names}): a "
                    "possible cross-sensitivity the label does not name"
                )
                by_class = True
            if not reasons:
                continue
            hyper = next((c for c in drug.contraindications if c.allergy == a.drug), None)
            rule = ctx.rule("MRX-CI-002")
            out.append(
                make_alert(
                    ctx,
                    "MRX-CI-002",
                    rule.graded("class_cross_sensitivity") if by_class else None,
                    f"{drug.name} with a recorded allergy ({text})",
                    "; ".join(r.rstrip(".") for r in reasons) + ".",
                    [a.drug],
                    cited or hyper,
                    advice="class_cross_sensitivity" if by_class else "default",
                    values={"drug": drug.name, "allergy": text},
                ).model_copy(update={"finding": f"allergy:{text.strip().lower()}"})
            )
    return out
