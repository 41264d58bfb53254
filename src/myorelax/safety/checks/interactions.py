"""Drug-drug interactions, from the monographs' PDDI-style interaction knowledge.

MRX-DDI-001 pharmacokinetic interaction (exposure changed by an inhibitor or inducer)
MRX-DDI-002 serotonin syndrome risk (MAO inhibitors, serotonergic drugs)
MRX-DDI-003 additive CNS depression (opioids, benzodiazepines, other CNS depressants, alcohol)
MRX-DDI-004 carisoprodol with an opioid and a benzodiazepine ("holy trinity")
MRX-DDI-005 other pharmacodynamic interaction (hypotension, other)

Buprenorphine and methadone for opioid use disorder are never advised to be stopped.
"""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.knowledge.schema import SEVERITY_ORDER, Ingredients, Interaction, KnowledgeBase
from myorelax.knowledge.text import join_and
from myorelax.pk.exposure import ExposureRatio, interaction_exposure
from myorelax.safety.alert import Alert, ExposureEstimate
from myorelax.safety.checks.common import make_alert, simulated_note
from myorelax.safety.context import Active, CheckContext
from myorelax.units import convert

# A partner drug flagged as treatment for opioid use disorder: the interaction rules' advice
# branch of the same name (rules/MRX-DDI-*.yaml) says never to stop or withhold it.
OUD_FLAG = "oud_treatment"


def code_for(x: Interaction) -> str:
    """The rule an interaction raises: written in its knowledge entry (`rule`), never guessed
    from its wording."""
    return x.rule


def _matches(x: Interaction, b: Active) -> bool:
    if x.object.drug is not None:
        return x.object.drug == b.drug
    if x.object.condition is not None:
        return b.order is None and b.drug == x.object.condition and not b.groups
    return x.object.group in b.groups


def _exposures(ctx: CheckContext) -> tuple[Active, ...]:
    """The patient's recorded exposures that drugs interact with (tobacco smoking), as partners
    of the interaction check."""
    wanted = {
        x.object.condition
        for a in ctx.subjects
        if (m := ctx.monograph(a)) is not None
        for x in m.interactions
        if x.object.condition is not None
    }
    out = []
    for cid in sorted(wanted & set(ctx.patient.conditions)):
        cond = ctx.kb.conditions.get(cid)
        name = cond.name if cond is not None else cid.replace("_", " ")
        out.append(
            Active(
                drug=cid,
                name=name,
                order=None,
                is_order=False,
                groups=frozenset(),
                flags=frozenset(),
            )
        )
    return tuple(out)


def owners(ctx: CheckContext) -> tuple[Active, ...]:
    """The drugs whose monograph's interactions are looked at: the subjects, and, when orders
    are checked, also the current drugs with a monograph, so that a new ciprofloxacin meets the
    tizanidine the patient already takes (the interaction is written on tizanidine's monograph
    only). Which pairs are reported is `ctx.involved`'s rule: an order must take part."""
    seen = {a.drug for a in ctx.subjects}
    extra = tuple(a for a in ctx.active if a.drug not in seen and ctx.monograph(a) is not None)
    return (*ctx.subjects, *extra)


def check(ctx: CheckContext) -> list[Alert]:
    best: Best = {}
    everyone = (*ctx.active, *_exposures(ctx))
    orders = tuple(b for b in ctx.active if b.is_order)
    for a in owners(ctx):
        drug = ctx.monograph(a)
        if drug is None:
            continue
        # Two current drugs are not this order check's business (no alert fatigue): a current
        # drug's interactions are looked up against the orders only (`ctx.involved`'s rule); in
        # a review of current therapy (no orders) every pair is.
        free = a.is_order or not orders
        for x in drug.interactions:
            for b in everyone if free else orders:
                if b.drug != a.drug and _matches(x, b):
                    _keep(best, x, a, b)
            # A drug being stopped still counts while the interaction outlasts it (washout).
            for b in ctx.stopped if free and x.washout is not None else ():
                if b.drug != a.drug and _matches(x, b) and _within_washout(ctx, x, b):
                    _keep(best, x, a, b)
    stopped = {s.drug for s in ctx.stopped}
    active = {s.drug for s in ctx.active}
    out = [
        _alert(ctx, code, x, a, b, stopped=b.drug in stopped and b.drug not in active)
        for (code, _, _), (_, _, x, a, b) in best.items()
    ]
    out += _holy_trinity(ctx)
    return out


Best = dict[tuple[str, str, str], tuple[int, int, Interaction, Active, Active]]


def _keep(best: Best, x: Interaction, a: Active, b: Active) -> None:
    """Keep, for each rule and pair of drugs, the most specific then most severe interaction."""
    code = code_for(x)
    rank = (0 if x.object.drug else 1, SEVERITY_ORDER.index(x.severity))
    lo, hi = sorted((a.drug, b.drug))
    key = (code, lo, hi)
    prev = best.get(key)
    if prev is None or rank < (prev[0], prev[1]):
        best[key] = (rank[0], rank[1], x, a, b)


def washout_days(x: Interaction) -> float:
    """The interaction's washout in days (the longest when a range is cited)."""
    w = x.washout
    assert w is not None
    span = w.value if w.value is not None else w.high if w.high is not None else w.low
    assert span is not None
    return convert(span, w.unit, "day")


def _within_washout(ctx: CheckContext, x: Interaction, b: Active) -> bool:
    """Whether a stopped drug still counts: stopped within the washout before the check's date,
    or on a date not recorded (taken as within: the conservative reading)."""
    on = ctx.stopped_on.get(b.drug)
    return on is None or (ctx.today - on).days <= washout_days(x)


def washout_text(ctx: CheckContext, x: Interaction, b: Active) -> str:
    """What the alert says about a partner drug stopped or being stopped: the interaction's
    washout, and when the drug was stopped (an unknown date taken as within the washout)."""
    days = washout_days(x)
    name = b.name[:1].upper() + b.name[1:]
    lasts = f"this interaction lasts {days:g} days after its last dose"
    on = ctx.stopped_on.get(b.drug)
    if on is None:
        return (
            f" {name} was stopped recently, but {lasts}. The stop date is not recorded, so it "
            "is taken as within that time (the conservative reading)."
        )
    if on >= ctx.today:
        return f" {name} is being stopped, but {lasts}."
    ago = (ctx.today - on).days
    return (
        f" {name} was stopped on {on.isoformat()} ({ago} day{'s' if ago != 1 else ''} ago), "
        f"and {lasts}."
    )


def order_route(order: Order | None) -> str | None:
    """The route an order states (po, iv, ...); None when it does not (a dose per kilogram is
    no guide: children take oral dantrolene by weight)."""
    return None if order is None else order.route


def _alert(
    ctx: CheckContext, code: str, x: Interaction, a: Active, b: Active, *, stopped: bool = False
) -> Alert:
    exposure = None
    sim: tuple[ExposureRatio, ...] = ()
    mono = ctx.monograph(a)
    if mono is not None and x.exposure and x.exposure.auc_ratio and x.object.condition is None:
        sim = interaction_exposure(mono, ctx.terminology.ingredient(b.drug), a.order)
    parent = next((r for r in sim if r.analyte == a.drug), None)
    if x.exposure and (x.exposure.auc_ratio or x.exposure.cmax_ratio):
        reported_cmax = x.exposure.cmax_ratio.upper if x.exposure.cmax_ratio else None
        exposure = ExposureEstimate(
            auc_ratio=x.exposure.auc_ratio.upper if x.exposure.auc_ratio else None,
            cmax_ratio=reported_cmax
            if reported_cmax is not None
            else (round(parent.cmax_ratio, 3) if parent else None),
            basis=f"reported with {x.object.label} (interaction study)"
            + (f"; {parent.text()}" if parent else ""),
        )
    via = f" (class: {x.object.label})" if x.object.group else ""
    detail = (
        f"**{a.name}** with **{b.name}**{via}: {x.consequence}"
        + (f" Exposure: AUC x{exposure.auc_ratio:g}" if exposure and exposure.auc_ratio else "")
        + (f", Cmax x{exposure.cmax_ratio:g}." if exposure and exposure.cmax_ratio else "")
        + (simulated_note(sim) if parent else "")
    )
    if b.drug == "ethanol" and b.order is None:
        detail += " The patient drinks alcohol."
    if stopped:
        detail += washout_text(ctx, x, b)
    if b.is_order and not a.is_order:
        new = b.name[:1].upper() + b.name[1:]
        detail += f" {new} is the new order; the patient already takes {a.name.lower()}."
    severity, recommendation = x.severity, x.recommendation
    route = order_route(a.order)
    by_route = next((m for m in x.modifiers if m.route is not None and m.route == route), None)
    if by_route is not None:
        severity, recommendation = by_route.severity, by_route.recommendation
        detail += f" Graded for {a.name.lower()} given by the {route} route ({by_route.when})."
    elif route is None and any(m.route for m in x.modifiers):
        detail += (
            f" The route of {a.name.lower()} was not stated: graded as the label's main concern; "
            "state the route (po, iv) for the route-specific grade."
        )
    context = [m for m in x.modifiers if m.route is None or (route is None and by_route is None)]
    if context:
        detail += " Context: " + " ".join(
            f"When {m.when}: {m.recommendation} ({m.severity})." for m in context
        )
    oud = OUD_FLAG in b.flags
    if oud:
        detail += f" {b.name} may be treatment for opioid use disorder."
    return make_alert(
        ctx,
        code,
        severity,
        f"{a.name} + {b.name}: {x.consequence}",
        detail,
        [a.drug, b.drug],
        x,
        *x.evidence,
        x.washout if stopped else None,
        advice=OUD_FLAG if oud else "default",
        values={
            "mechanism": x.mechanism,
            "recommendation": recommendation,
            **({"oud_drug": b.name} if oud else {}),
        },
        exposure=exposure,
    )


def _term_name(kb: KnowledgeBase, term: Ingredients) -> str:
    """A trigger term in words: the drug's name, or its group's name (lower case)."""
    if term.drug is not None:
        return kb.drugs[term.drug].name if term.drug in kb.drugs else term.drug
    if term.group is not None and term.group in kb.groups:
        name = kb.groups[term.group].name
        return name[:1].lower() + name[1:]
    return f"drugs flagged {term.flag}" if term.flag else "drugs"


def _holy_trinity(ctx: CheckContext) -> list[Alert]:
    """MRX-DDI-004: every term of the rule's trigger (carisoprodol, an opioid, a
    benzodiazepine) active at once. The wording is built from the trigger's terms, the drugs'
    monographs (active metabolites, whether a taper is needed) and the rule's description."""
    rule = ctx.kb.rules["MRX-DDI-004"]
    trigger = rule.trigger
    assert trigger is not None and trigger.severity  # checked at load
    involved = ctx.triggered("MRX-DDI-004")
    if not involved:
        return []
    names = ", ".join(a.name for a in involved)
    oud = [a for a in involved if OUD_FLAG in a.flags]
    terms = [_term_name(ctx.kb, t) for t in trigger.all_of]
    drugs = [ctx.kb.drugs[t.drug] for t in trigger.all_of if t.drug and t.drug in ctx.kb.drugs]
    classes = [_term_name(ctx.kb, t) for t in trigger.all_of if t.drug is None]
    described = []
    for term, name in zip(trigger.all_of, terms, strict=True):
        drug = ctx.kb.drugs.get(term.drug or "")
        metabolites = [
            ctx.kb.drugs[m.drug].name.lower() if m.drug in ctx.kb.drugs else m.drug
            for m in (drug.active_metabolites if drug else ())
        ]
        described.append(
            rule.phrase(
                "with_metabolites", {"drug": name.lower(), "metabolites": join_and(metabolites)}
            )
            if metabolites
            else name.lower()
        )
    avoid = []
    for drug in drugs:
        taper = drug.dependence.taper
        phrase = "avoid_tapered_drug" if taper and taper.needed else "avoid_drug"
        avoid.append(rule.phrase(phrase, {"drug": drug.name.lower()}))
    if len(classes) > 1:
        avoid.append(
            rule.phrase("avoid_classes", {"group": classes[0], "groups": join_and(classes[1:])})
        )
    values = {"count": str(len(terms)), "agents": "; ".join(described), "avoid": "; ".join(avoid)}
    if oud:
        values["oud_drug"] = oud[0].name
    return [
        make_alert(
            ctx,
            "MRX-DDI-004",
            trigger.severity,
            " + ".join(terms) + ": high risk of overdose and death",
            f"Active together: **{names}**. {rule.description.strip()} Each adds CNS and "
            "respiratory depression.",
            [a.drug for a in involved],
            *(rule.evidence),
            advice=OUD_FLAG if oud else "default",
            values=values,
        )
    ]
