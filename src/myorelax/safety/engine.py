"""Run every check over a patient and a regimen and return one sorted, de-duplicated report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from myorelax.clinical.not_checked import NotChecked, NotCheckedReason
from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order, Regimen, per_kg_in_mg
from myorelax.errors import UnknownDrugError
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import Terminology, default_terminology
from myorelax.knowledge.text import join_and
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.checks import (
    abuse,
    contraindications,
    dose,
    duplication,
    duration,
    genotype,
    interactions,
    organ,
    population,
    withdrawal,
)
from myorelax.safety.checks.common import line_key, order_dose_mg
from myorelax.safety.checks.contraindications import allergy_covers
from myorelax.safety.context import CheckContext
from myorelax.units import convert

Check = Callable[[CheckContext], list[Alert]]

CHECKS: tuple[Check, ...] = (
    contraindications.check,
    interactions.check,
    dose.check,
    duration.check,
    population.check,
    organ.check,
    genotype.check,
    duplication.check,
    abuse.check,
    withdrawal.check,
)


def deduplicate(alerts: Sequence[Alert]) -> list[Alert]:
    """Identical findings once, the most severe kept; then sorted by severity, code and drugs,
    so the report is deterministic.

    A finding is a rule, its drugs and what the rule found (`Alert.key`): the same drug ordered
    twice raises its contraindication once, while two contraindicated conditions of one drug
    are two alerts."""
    kept: dict[tuple[str, tuple[str, ...], str], Alert] = {}
    for a in alerts:
        prev = kept.get(a.key())
        if prev is None or a.rank < prev.rank:
            kept[a.key()] = a
    return sorted(kept.values(), key=lambda a: (a.rank, a.code, a.drugs, a.summary, a.finding))


def _order_view(ctx: CheckContext, o: Order) -> dict[str, Any]:
    drug = ctx.kb.drugs.get(o.drug)
    dose_mg = order_dose_mg(drug, o) if drug else o.dose_mg
    view: dict[str, Any] = {
        "text": o.text,
        "drug": o.drug,
        "rxcui": o.rxcui,
        "dose": o.dose.model_dump() if o.dose else None,
        "dose_mg": dose_mg,
        "tablets": o.tablets,
        "route": o.route,
        "frequency": o.frequency.code if o.frequency else None,
        "doses_per_day": o.doses_per_day,
        "times": list(o.frequency.times) if o.frequency else [],
        "daily_dose_mg": (
            dose_mg * (o.doses_per_day or 0.0)
            if dose_mg is not None and o.frequency and not o.frequency.single
            else dose_mg
        ),
        "max_doses_per_day": o.max_doses_per_day,
        "prn": o.prn,
        "duration_days": o.duration_days,
        "start": o.start.isoformat() if o.start else None,
        "has_monograph": o.has_monograph,
        "groups": sorted(ctx.terminology.ingredient(o.drug).groups),
    }
    if o.product or o.components:
        view["product"] = o.product
        view["product_rxcui"] = o.product_rxcui
        view["components"] = list(o.components)
    return view


def _patient_view(ctx: CheckContext) -> dict[str, Any]:
    p = ctx.patient
    data = p.model_dump(mode="json", exclude={"medications", "not_checked"})
    k = ctx.kidney
    data.update(
        crcl_ml_min=k.crcl_ml_min,
        crcl_basis=k.crcl_basis,
        egfr_ml_min=k.egfr_ml_min,
        egfr_basis=k.egfr_basis,
        ckd_stage=(
            ctx.kb.patient_states.gfr_category(k.egfr_ml_min) if k.egfr_ml_min is not None else None
        ),
        liver_impairment=p.liver_impairment,
    )
    return data


def pregnancy_possible_at(kb: KnowledgeBase, age_years: float) -> bool:
    """Whether a patient of this age (not recorded as male) could be pregnant or breastfeeding:
    the band of patient_states.yaml, both ends included."""
    band = kb.patient_states.pregnancy_possible
    low = convert(band.from_age.lower, band.from_age.unit, "year")
    high = convert(band.through_age.upper, band.through_age.unit, "year")
    return low <= age_years <= high


def _subject_monographs(ctx: CheckContext) -> list[Monograph]:
    return [m for a in ctx.subjects if (m := ctx.monograph(a)) is not None]


def not_checked(ctx: CheckContext) -> list[NotChecked]:
    """What the check could not check: what the patient reader could not read, unknown
    allergies, and every patient fact a rule of the drugs checked needed and did not have."""
    p = ctx.patient
    out: list[NotChecked] = list(p.not_checked)
    for text in p.allergies or ():
        if allergy_covers(ctx, text) is not None:
            continue
        try:
            ctx.terminology.resolve_medication(text, field="allergies")
        except UnknownDrugError as exc:
            hint = f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""
            out.append(
                NotChecked(
                    kind="allergy",
                    item=text,
                    reason="unknown_allergy",
                    detail=f"allergy {text!r} is not a drug or class known here{hint}; "
                    "it was not checked",
                )
            )
    # An order without a dose (a drug-only review, 'baclofen tid') is checked as the drug: its
    # dose limits were not, as for a current medication or a FHIR order without a dose.
    said = {n.item for n in out if n.reason == "no_dose"}
    for o in ctx.regimen.orders:
        if o.has_monograph and o.dose is None and o.text not in said:
            out.append(
                NotChecked(
                    kind="dose",
                    item=o.text,
                    reason="no_dose",
                    detail=f"{o.text!r}: no dose given, so the dose limits of "
                    f"{o.drug_name.lower()} were not checked",
                )
            )
    out += _replaced_lines(ctx) + _class_only(ctx) + _listed_twice(ctx)
    monographs = _subject_monographs(ctx)
    if not monographs:
        return out
    names = ", ".join(dict.fromkeys(m.name.lower() for m in monographs))
    # A pregnant or breastfeeding patient on a drug whose label says nothing about it: the
    # check has nothing to judge by, and says so rather than stay silent.
    for state, recorded, what, when in (
        ("pregnancy", p.pregnant, "pregnancy", "in pregnancy"),
        ("lactation", p.lactating, "breastfeeding", "while breastfeeding"),
    ):
        if not recorded:
            continue
        silent = list(
            dict.fromkeys(m.name.lower() for m in monographs if not getattr(m.populations, state))
        )
        if silent:
            out.append(
                NotChecked(
                    kind="medication",
                    item=", ".join(silent),
                    reason="no_label_statement",
                    detail=f"the knowledge base has no label statement on {what} for "
                    f"{join_and(silent)}: its use {when} was not assessed",
                )
            )

    def fact(reason: NotCheckedReason, item: str, detail: str) -> None:
        out.append(NotChecked(kind="patient_fact", item=item, reason=reason, detail=detail))

    if p.age_years is None:
        fact(
            "missing_age",
            "age",
            "age unknown: age limits, the Beers Criteria and age-based kidney estimates were not checked",
        )
    kidney_rules = [m for m in monographs if m.populations.renal.adjustments]
    # Contraindications in renal pathology for this order's route (the methocarbamol injection)
    # that no recorded kidney condition or dialysis already decided.
    renal_ci = [
        ctx.kb.drugs[a.drug].name.lower()
        + (
            " by " + "/".join(contraindications.ROUTE_WORDS.get(r, r) for r in ci.routes)
            if ci.routes
            else ""
        )
        for a in ctx.subjects
        for ci in contraindications.renal_contraindications(ctx, a)
        if ci.renal is not None and contraindications.renal_pathology(ctx, ci.renal) is None
    ]
    for a in ctx.subjects:
        for ci, why in contraindications.unstated_route_findings(ctx, a):
            assert a.order is not None
            routes = "/".join(contraindications.ROUTE_WORDS.get(r, r) for r in ci.routes)
            name = ctx.kb.drugs[a.drug].name.lower()
            out.append(
                NotChecked(
                    kind="dose",
                    item=a.order.text,
                    reason="missing_route",
                    detail=f"route not stated in '{a.order.text}': {name} by {routes} is "
                    f"contraindicated in {why}, which the patient has; other routes are not. "
                    f"Whether this order is given by {routes} was not checked: state the route",
                )
            )
    if not ctx.kidney.measured and renal_ci:
        fact(
            "missing_kidney_function",
            "kidney function",
            f"kidney function unknown ({ctx.kidney.crcl_basis}): whether the patient has the "
            f"known or suspected renal pathology that contraindicates {'; '.join(dict.fromkeys(renal_ci))} was not "
            "checked (record a CrCl, an eGFR, or serum creatinine with age and weight)",
        )
    if not ctx.kidney.known:
        fact(
            "missing_kidney_function",
            "kidney function",
            f"kidney function unknown ({ctx.kidney.crcl_basis}): the kidney dose rules of "
            f"{names} and the Beers kidney criteria were not checked",
        )
    elif (
        ctx.kidney.crcl_ml_min is None
        and ctx.kidney.egfr_ml_min is not None
        and any(
            a.crcl_below is not None for m in kidney_rules for a in m.populations.renal.adjustments
        )
    ):
        on_crcl = ", ".join(
            dict.fromkeys(
                m.name.lower()
                for m in kidney_rules
                if any(a.crcl_below is not None for a in m.populations.renal.adjustments)
            )
        )
        fact(
            "kidney_function_as_egfr",
            "creatinine clearance",
            f"no creatinine clearance (Cockcroft-Gault needs serum creatinine, age and weight): "
            f"the kidney bands of {on_crcl}, defined on CrCl, were applied to the eGFR "
            f"({ctx.kidney.egfr_reported or format(ctx.kidney.egfr_ml_min, 'g')} mL/min/1.73 "
            "m2), which can differ from it",
        )
    if p.scr_mg_dl is not None and p.crcl_ml_min is None and p.weight_kg is None:
        fact(
            "missing_weight",
            "weight",
            "weight unknown: creatinine clearance (Cockcroft-Gault) could not be estimated",
        )
    out += dose.weight_not_checked(ctx)
    out += dose.pediatric_not_checked(ctx)
    out += dose.route_not_checked(ctx)
    out += dose.per_kg_not_checked(ctx)
    said_sex = any(n.reason == "missing_sex" for n in p.not_checked)
    if p.sex == "unknown" and p.scr_mg_dl is not None and not said_sex:
        fact(
            "missing_sex",
            "sex",
            "sex unknown: kidney function was estimated as the lower of the female and male values",
        )
    hepatic = [m for m in monographs if m.populations.hepatic.adjustments]
    if hepatic and p.child_pugh is None and "active_liver_disease" not in p.conditions:
        fact(
            "missing_liver_function",
            "liver function",
            "liver function unknown (no Child-Pugh class or liver disease recorded): the liver "
            f"rules of {', '.join(dict.fromkeys(m.name.lower() for m in hepatic))} were not "
            "checked",
        )
    could_be_pregnant = p.sex != "male" and (
        p.age_years is None or pregnancy_possible_at(ctx.kb, p.age_years)
    )
    if (
        could_be_pregnant
        and p.pregnant is None
        and any(m.populations.pregnancy for m in monographs)
    ):
        fact(
            "missing_pregnancy_status",
            "pregnancy",
            "pregnancy status not recorded: the pregnancy statements were not applied",
        )
    if (
        could_be_pregnant
        and p.lactating is None
        and any(m.populations.lactation for m in monographs)
    ):
        fact(
            "missing_lactation_status",
            "breastfeeding",
            "breastfeeding status not recorded: the lactation statements were not applied",
        )
    if p.allergies is None:
        fact(
            "missing_allergies",
            "allergies",
            "allergies not recorded: allergy and hypersensitivity contraindications were not "
            "checked (record 'no known allergies' when there are none)",
        )
    return out


def evaluate_regimen(
    patient: Patient,
    regimen: Regimen,
    *,
    kb: KnowledgeBase | None = None,
    terminology: Terminology | None = None,
    today: date | None = None,
) -> CheckReport:
    """Check `regimen` (orders, drugs being stopped) against `patient`; return the report."""
    kb = kb or load_knowledge()
    # A dose per kg is checked as the mg it is at the patient's weight.
    weight = patient.weight_kg
    if (orders := per_kg_in_mg(regimen.orders, weight)) is not regimen.orders:
        regimen = regimen.model_copy(update={"orders": orders})
    if (meds := per_kg_in_mg(patient.medications, weight)) is not patient.medications:
        patient = patient.model_copy(update={"medications": meds})
    ctx = CheckContext(
        kb=kb,
        terminology=terminology or default_terminology(),
        patient=patient,
        regimen=regimen,
        today=today or date.today(),
    )
    alerts: list[Alert] = []
    for check in CHECKS:
        alerts += check(ctx)
    return CheckReport(
        patient=_patient_view(ctx),
        not_checked=tuple(not_checked(ctx)),
        orders=tuple(_order_view(ctx, o) for o in regimen.orders),
        medications=tuple(_order_view(ctx, o) for o in patient.medications),
        stopping=tuple(o.drug for o in regimen.stopping),
        alerts=tuple(deduplicate(alerts)),
        knowledge_version=kb.version,
    )


def _replaced_lines(ctx: CheckContext) -> list[NotChecked]:
    """A current medication of the drug an order is for, read as replaced by the order (a dose
    change): said, because if both are meant to be taken their sum was not checked. Only for a
    drug whose doses are checked (a monograph), once per medication line, and not for an
    infusion rate (an intrathecal pump runs one rate: a new one is a change). Each current line
    is paired with the order most like it: the same line, else the same frequency, else the
    drug's first order."""
    out: list[NotChecked] = []
    replaced: set[str] = set()
    for m in ctx.patient.medications:
        drug = ctx.kb.drugs.get(m.drug)
        orders = [
            o
            for o in ctx.regimen.orders
            if o.drug == m.drug and o.has_monograph and o.route != "intrathecal"
        ]
        if drug is None or not orders or m.drug in ctx.stopping_ids or m.text in replaced:
            continue
        freq = m.frequency.code if m.frequency else None
        o = next(
            (o for o in orders if line_key(drug, o) == line_key(drug, m)),
            next((o for o in orders if o.frequency and o.frequency.code == freq), orders[0]),
        )
        replaced.add(m.text)
        out.append(
            NotChecked(
                kind="medication",
                item=m.text,
                reason="replaced_medication",
                detail=f"current {m.text!r} was read as replaced by the order {o.text!r}; "
                f"if both are to be taken, their combined {o.drug_name.lower()} dose was "
                "not checked",
            )
        )
    return out


def _class_only(ctx: CheckContext) -> list[NotChecked]:
    """A medication written as a class ('opioid prn', 'MAOI'): read as the class's stand-in,
    whose interactions are the class's; the drug's own were not checked, and that is said."""
    out: list[NotChecked] = []
    said: set[str] = set()
    for o in (*ctx.regimen.orders, *ctx.patient.medications):
        ing = ctx.terminology.ingredient(o.drug)
        if "class_stand_in" not in ing.flags or o.text in said:
            continue
        said.add(o.text)
        classes = join_and(
            [ctx.kb.groups[g].name.lower() for g in ing.groups if g in ctx.kb.groups]
        )
        out.append(
            NotChecked(
                kind="medication",
                item=o.text,
                reason="class_only",
                detail=f"{o.text!r} names a class ({classes}), not a drug: the interactions of the "
                "class were checked, not those of the drug itself (name the drug to check them)",
            )
        )
    return out


def _listed_twice(ctx: CheckContext) -> list[NotChecked]:
    """A current line recorded twice (an EHR's order and its statement): counted once by the
    dose checks (`distinct_current_lines`), and said, since if both are taken the dose is
    double."""
    out: list[NotChecked] = []
    first: dict[tuple[object, ...], Order] = {}
    said: set[str] = set()
    for m in ctx.patient.medications:
        drug = ctx.kb.drugs.get(m.drug)
        if drug is None or m.dose is None:
            continue
        seen = first.setdefault((m.drug, *line_key(drug, m)), m)
        if seen is m or m.text in said:
            continue
        said.add(m.text)
        out.append(
            NotChecked(
                kind="dose",
                item=m.text,
                reason="duplicate_line",
                detail=f"current {m.text!r} is listed twice (as {seen.text!r}); the dose checks "
                "counted it once: if both are taken, the dose is double and was not checked",
            )
        )
    return out
