"""Choosing the label dosing entry and the product family a plan is built on."""

from __future__ import annotations

from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import Amount, Dosing, KnowledgeBase, Monograph, applies_from_age
from myorelax.plans.tablets import Formulation, formulations, make_dose
from myorelax.units import convert, has_dimension


def oral_dosing(drug: Monograph, patient: Patient, kb: KnowledgeBase) -> Dosing:
    """The adult oral dosing entry (solid products, mg doses); refuse children plainly (the age
    of adulthood is patient_states.yaml's)."""
    if kb.patient_states.is_child(patient.age_years):
        raise InputError(
            f"plans are built for adults; {drug.name} dosing in children is individual "
            "(often by weight) and is not planned here",
            field="age",
        )
    for dosing in drug.dosing:
        if dosing.route != "oral" or dosing.population not in ("adult", "all"):
            continue
        if dosing.start is not None and not has_dimension(dosing.start.unit, "mg"):
            continue
        if dosing.usual_dose is not None and not has_dimension(dosing.usual_dose.unit, "mg"):
            continue
        return dosing
    raise InputError(f"{drug.name} has no adult oral dosing in the knowledge base", field="drug")


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
    if abs(n - freq.doses_per_day) > 1e-9 or not 1 <= n <= 4:
        raise InputError(
            f"{freq.doses_per_day:g} doses a day cannot be planned (1 to 4 a day)", field=field
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
    most = int(dosing.max_doses_per_day.upper) if dosing.max_doses_per_day else 4
    if n > most:
        raise InputError(f"the label allows at most {most} doses a day", field=field)
    return dose, n
