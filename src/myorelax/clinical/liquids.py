"""A dose written as a volume of an oral liquid, in mg: the liquid's concentration from the
product the order names (its brand: Ozobax 1 mg/mL, Fleqsuvy 5 mg/mL), else from the drug's only
oral liquid concentration. A volume of a drug with no oral liquid, or with liquids of different
concentrations and none named, is refused naming them: never a guessed concentration."""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import Monograph
from myorelax.units import convert, has_dimension


def oral_concentrations(drug: Monograph, product: str | None) -> set[float]:
    """The mg/mL of the drug's oral liquids; of the named product's only, when it names one."""
    oral = [p for p in drug.products if p.route == "oral"]
    named = [p for p in oral if product and product.lower() in (b.lower() for b in p.brands)]
    return {
        convert(s.value, s.unit, "mg/mL")
        for p in named or oral
        for s in p.strengths
        if s.value is not None and has_dimension(s.unit, "mg/mL")
    }


def volume_dose_mg(drug: Monograph, order: Order) -> float:
    """The mg of an order whose dose is a volume (mL) of an oral liquid."""
    assert order.dose is not None and has_dimension(order.dose.unit, "mL")
    concentrations = oral_concentrations(drug, order.product)
    volume = convert(order.dose.value, order.dose.unit, "mL") * (order.tablets or 1)
    if not concentrations:
        raise InputError(
            f"{order.dose.value:g} {order.dose.unit} given, but {drug.name} has no oral liquid; "
            "give the dose in mg",
            field="dose",
        )
    if len(concentrations) > 1:
        shown = ", ".join(f"{c:g} mg/mL" for c in sorted(concentrations))
        raise InputError(
            f"{order.dose.value:g} mL of {drug.name} is ambiguous (liquids of {shown}); give "
            "the dose in mg or name the product",
            field="dose",
        )
    return volume * concentrations.pop()
