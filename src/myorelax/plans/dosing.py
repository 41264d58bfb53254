"""Choosing the label dosing entry and the product family a plan is built on."""

from __future__ import annotations

import re

from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import (
    Amount,
    Dosing,
    KnowledgeBase,
    Monograph,
    Product,
    applies_from_age,
)
from myorelax.plans.tablets import SOLID_FORMS, Formulation, formulations, make_dose
from myorelax.safety.checks.common import usual_contains
from myorelax.units import convert, has_dimension


def oral_dosing(
    drug: Monograph,
    patient: Patient,
    kb: KnowledgeBase,
    *,
    named: str | None = None,
    order: Order | None = None,
    field: str = "drug",
) -> Dosing:
    """The adult oral dosing entry (solid products, mg doses); refuse children plainly (the age
    of adulthood is patient_states.yaml's). Of several (cyclobenzaprine tablets and AMRIX
    capsules), the entry of the product a brand in `named` names, else the one whose usual dose
    holds `order`'s (as the safety check chooses it), else the first: a taper from AMRIX 15 mg was judged on the tablets' 10 mg
    maximum and refused. A brand of a liquid (Ozobax) is refused: plans are made from tablets
    and capsules, and one in tablets would not be the product named."""
    if kb.patient_states.is_child(patient.age_years):
        raise InputError(
            f"plans are built for adults; {drug.name} dosing in children is individual "
            "(often by weight) and is not planned here",
            field="age",
        )
    entries = [
        d
        for d in drug.dosing
        if d.route == "oral"
        and d.population in ("adult", "all")
        and (d.start is None or has_dimension(d.start.unit, "mg"))
        and (d.usual_dose is None or has_dimension(d.usual_dose.unit, "mg"))
    ]
    if not entries:
        raise InputError(
            f"{drug.name} has no adult oral dosing in the knowledge base", field="drug"
        )
    products = named_products(drug, named)
    if products:
        solid = {p.id for p in products if p.route == "oral" and p.form in SOLID_FORMS}
        if not solid:
            p = products[0]
            brand = next(b for b in p.brands if _names(b, named or ""))
            raise InputError(
                f"{brand} is {drug.name.lower()} {p.form.replace('_', ' ')}; plans are made "
                f"from tablets and capsules: name the drug ({drug.name.lower()}) for a plan in "
                "tablets, or plan the liquid's volumes with the prescriber",
                field=field,
            )
        for d in entries:
            if solid.intersection(d.products):
                return d
    dose_mg = order.dose_mg if order is not None else None
    if order is not None and dose_mg is not None:
        daily_mg = order.daily_dose_mg or dose_mg
        for d in entries:
            if usual_contains(d, dose_mg, daily_mg, patient.weight_kg):
                return d
    return entries[0]


def named_products(drug: Monograph, text: str | None) -> list[Product]:
    """The drug's products whose brand the text names as a word ('Amrix 15 mg daily')."""
    if not text:
        return []
    return [p for p in drug.products if any(_names(b, text) for b in p.brands)]


def _names(brand: str, text: str) -> bool:
    """Whether the text names the brand as a word (any case)."""
    return re.search(rf"(?<!\w){re.escape(brand)}(?!\w)", text, re.IGNORECASE) is not None


def geriatric_dosing(drug: Monograph, patient: Patient) -> Dosing | None:
    """The label's oral dosing for older adults, when the patient is of its age."""
    if patient.age_years is None:
        return None
    for dosing in drug.dosing:
        geriatric = dosing.route == "oral" and dosing.population == "geriatric"
        if geriatric and applies_from_age(dosing, patient.age_years):
            return dosing
    return None


def choose_formulation(
    drug: Monograph, dosing: Dosing, doses_mg: list[float], form: str | None
) -> Formulation:
    """The first family (tablets before capsules) that makes every dose; else a clear error."""
    families = formulations(drug, dosing, form)
    families.sort(key=lambda f: (f.form != "tablet", f.release != "immediate"))
    for family in families:
        if all(make_dose(mg, family) is not None for mg in doses_mg if mg > 0):
            return family
    labels = "; ".join(f.label for f in families)
    wanted = ", ".join(f"{mg:g} mg" for mg in sorted(set(doses_mg)) if mg > 0)
    raise InputError(
        f"the doses {wanted} cannot all be made from the {drug.name} products that exist ({labels})",
        field="dose",
    )


def amount_days(amount: Amount, which: str) -> int:
    """A time amount in whole days (at least 1): its lower or upper end."""
    value = amount.upper if which == "upper" else amount.lower
    return max(1, round(convert(value, amount.unit, "day")))


def regular_schedule(
    drug: Monograph, dosing: Dosing, order: Order, *, field: str, why: str, above_max: str = ""
) -> tuple[float, int]:
    """(mg per dose, doses a day) of a regular oral order within the labelled maxima; every
    problem is an InputError naming `field` (`above_max` is added to the over-maximum ones)."""
    if order.route not in (None, "oral"):
        raise InputError(
            f"plans are for oral {drug.name}; for an intrathecal pump use `myorelax pump`",
            field=field,
        )
    dose = order.dose_mg
    freq = order.frequency
    if dose is None:
        raise InputError(f"the dose of {drug.name} is not given in mg", field=field)
    if freq is None or order.prn or freq.single:
        raise InputError(
            f"{why} needs the regular schedule (e.g. '20 mg tid'); an as-needed or one-off order "
            "has none",
            field=field,
        )
    n = round(freq.doses_per_day)
    if abs(n - freq.doses_per_day) > 1e-9 or n < 1:
        raise InputError(
            f"{freq.doses_per_day:g} doses a day cannot be planned (whole doses a day only)",
            field=field,
        )
    most = most_doses_per_day(drug, dosing, field=field)
    if n > most:
        raise InputError(
            f"{n} doses a day cannot be planned: above the labelled maximum of {most} doses a "
            f"day{above_max}",
            field=field,
        )
    if (
        dosing.max_single is not None
        and dose > convert(dosing.max_single.upper, dosing.max_single.unit, "mg") * 1.0001
    ):
        raise InputError(
            f"{dose:g} mg per dose is above the labelled maximum single dose of "
            f"{dosing.max_single.text()}{above_max}",
            field=field,
        )
    if (
        dosing.max_daily is not None
        and dose * n > convert(dosing.max_daily.upper, dosing.max_daily.unit, "mg") * 1.0001
    ):
        raise InputError(
            f"{dose * n:g} mg a day is above the labelled maximum of {dosing.max_daily.text()}"
            f"{above_max}",
            field=field,
        )
    return dose, n


def most_doses_per_day(drug: Monograph, dosing: Dosing, *, field: str = "drug") -> int:
    """The most doses a day the label gives for this entry: its `max_doses_per_day`; else the
    largest `doses_per_day` of the label's entries for the same route, population and products
    (methocarbamol's initial entry, four a day for 48-72 hours, is followed by its maintenance
    entry, 3 to 6 a day: 750 mg every 4 hours is labelled). No number there: a plan is refused,
    none is assumed."""
    if dosing.max_doses_per_day is not None:
        return int(dosing.max_doses_per_day.upper)
    same = [
        d.doses_per_day.upper
        for d in drug.dosing
        if d.doses_per_day is not None
        and d.route == dosing.route
        and d.population == dosing.population
        and d.products == dosing.products
    ]
    if dosing.doses_per_day is not None:
        same.append(dosing.doses_per_day.upper)
    if not same:
        raise InputError(
            f"the {drug.name} label entry gives no number of doses a day, so no plan can be "
            "built from it",
            field=field,
        )
    return int(max(same))
