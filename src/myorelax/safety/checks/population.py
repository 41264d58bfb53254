"""Population checks: age, pregnancy, lactation, and the AGS Beers Criteria 2023.

MRX-POP-001 below the labelled minimum age
MRX-POP-002 pregnancy
MRX-POP-003 lactation
MRX-BEERS-001 a drug the Beers Criteria say to avoid at 65 and over
MRX-BEERS-003 three or more CNS-active drugs at 65 and over
MRX-BEERS-004 an opioid with a benzodiazepine at 65 and over
MRX-BEERS-005 an opioid with a gabapentinoid at 65 and over
MRX-BEERS-006 a strongly anticholinergic drug, benzodiazepine or Z-drug in dementia or delirium at
              65 and over
MRX-BEERS-007 a drug that raises the risk of falls (benzodiazepine, Z-drug, opioid, antiepileptic,
              antipsychotic, antidepressant) after falls or fractures at 65 and over
(MRX-BEERS-002, baclofen with eGFR < 60 at 65 and over, is in the organ checks.)
"""

from __future__ import annotations

from myorelax.knowledge.text import join_and
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import fmt, make_alert, route_of
from myorelax.safety.context import CheckContext
from myorelax.units import convert


def check(ctx: CheckContext) -> list[Alert]:
    return _age(ctx) + _pregnancy(ctx) + _beers_drugs(ctx) + _beers_combinations(ctx)


def _age(ctx: CheckContext) -> list[Alert]:
    age = ctx.patient.age_years
    out: list[Alert] = []
    if age is None:
        return out
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        # The minimum age for the order's route (intrathecal baclofen from 4, oral from 12);
        # a route that cannot be told takes the drug's general one.
        route = route_of(drug, a.order) if a.order is not None else None
        min_age = drug.populations.min_age_for(route)
        if min_age is None:
            continue
        limit = convert(min_age.lower, min_age.unit, "year")
        if age >= limit:
            continue
        out.append(
            make_alert(
                ctx,
                "MRX-POP-001",
                None,
                f"{drug.name} at age {fmt(age)}: below the labelled minimum age of {fmt(limit)} years"
                + (f" ({route})" if drug.populations.min_age_routes and route else ""),
                f"The patient is **{fmt(age)} years** old. {drug.name}: {min_age.note or ''} "
                f"(minimum age {min_age.text()}).",
                [a.drug],
                min_age,
            )
        )
    return out


def _pregnancy(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    p = ctx.patient
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        if p.pregnant and drug.populations.pregnancy:
            first = drug.populations.pregnancy[0]
            out.append(
                make_alert(
                    ctx,
                    "MRX-POP-002",
                    None,
                    f"{drug.name} in pregnancy: weigh benefit against fetal and neonatal risk",
                    "The patient is pregnant. "
                    + " ".join(s.text for s in drug.populations.pregnancy),
                    [a.drug],
                    *drug.populations.pregnancy,
                    first,
                )
            )
        if p.lactating and drug.populations.lactation:
            out.append(
                make_alert(
                    ctx,
                    "MRX-POP-003",
                    None,
                    f"{drug.name} while breastfeeding: watch the infant for sedation",
                    "The patient is breastfeeding. "
                    + " ".join(s.text for s in drug.populations.lactation),
                    [a.drug],
                    *drug.populations.lactation,
                )
            )
    return out


def _beers_drugs(ctx: CheckContext) -> list[Alert]:
    age = ctx.patient.age_years
    if age is None or age < ctx.from_age("MRX-BEERS-001"):
        return []
    out: list[Alert] = []
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        entries = [b for b in drug.populations.beers if b.condition is None]
        if not entries:
            continue
        b = entries[0]
        out.append(
            make_alert(
                ctx,
                "MRX-BEERS-001",
                None,
                f"{drug.name} at {fmt(age)}: AGS Beers 2023 says {b.recommendation.lower()}",
                f"The patient is **{fmt(age)}**. AGS Beers Criteria 2023: {b.text}",
                [a.drug],
                b,
            )
        )
    return out


def _beers_combinations(ctx: CheckContext) -> list[Alert]:
    age = ctx.patient.age_years
    if age is None or age < ctx.from_age("MRX-BEERS-003"):
        return []
    out: list[Alert] = []
    # The count and the grade are the rule's trigger (rules/MRX-BEERS-003.yaml).
    trigger = ctx.kb.rules["MRX-BEERS-003"].trigger
    assert trigger is not None and trigger.distinct_of is not None  # checked at load
    at_least = trigger.at_least or 3
    cns = [a for a in ctx.active if a.covered_by(trigger.distinct_of)]
    severity = trigger.grade(len(cns))[0]
    if len(cns) >= at_least and severity is not None and ctx.involved(*cns):
        names = ", ".join(a.name for a in cns)
        out.append(
            make_alert(
                ctx,
                "MRX-BEERS-003",
                severity,
                f"{len(cns)} CNS-active drugs at {fmt(age)}: AGS Beers 2023 says avoid "
                f"{at_least} or more",
                f"CNS-active drugs: **{names}**. The Beers Criteria advise against {at_least} or "
                "more of antiepileptics, antidepressants, antipsychotics, benzodiazepines, "
                "Z-drugs, opioids and skeletal muscle relaxants together, because of falls and "
                "fractures.",
                [a.drug for a in cns],
            )
        )
    labels = {"MRX-BEERS-004": "a benzodiazepine", "MRX-BEERS-005": "a gabapentinoid"}
    for code, label in labels.items():
        both = ctx.triggered(code)
        if both:
            # The trigger's first term is the opioid; the rest, the drug combined with it.
            trigger = ctx.rule(code).trigger
            assert trigger is not None
            opioids = [a for a in both if a.covered_by(trigger.all_of[0])]
            others = [a for a in both if a not in opioids]
            out.append(
                make_alert(
                    ctx,
                    code,
                    None,
                    f"Opioid with {label} at {fmt(age)}: AGS Beers 2023 says avoid",
                    f"**{', '.join(a.name for a in opioids)}** with "
                    f"**{', '.join(a.name for a in others)}**: the Beers Criteria advise avoiding "
                    "this combination in older adults because of sedation, respiratory "
                    "depression and death.",
                    [a.drug for a in both],
                )
            )
    out += _beers_drug_disease(ctx, "MRX-BEERS-006")
    out += _beers_drug_disease(ctx, "MRX-BEERS-007")
    return out


def _beers_drug_disease(ctx: CheckContext, code: str) -> list[Alert]:
    """A Beers drug-disease rule (its trigger: drugs of some classes with one of the
    conditions), naming the conditions the patient has; what Beers advises is the rule's own
    description (its knowledge file)."""
    risky = ctx.triggered(code)
    if not risky:
        return []
    rule = ctx.kb.rules[code]
    trigger = rule.trigger
    assert trigger is not None  # a triggered rule has one
    had = join_and(
        [
            ctx.kb.conditions[c].name.lower()
            for c in trigger.with_condition
            if c in ctx.patient.has_condition
        ]
    )
    names = ", ".join(a.name for a in risky)
    return [
        make_alert(
            ctx,
            code,
            None,
            f"{names} in {had}: AGS Beers 2023 says avoid",
            f"The patient has {had}: **{names}**. {rule.description}",
            [a.drug for a in risky],
        )
    ]
