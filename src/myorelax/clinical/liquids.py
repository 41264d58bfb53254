"""A dose written as a volume of a liquid, in mg: the concentration of the product the order
names (its brand: Ozobax 1 mg/mL, Fleqsuvy 5 mg/mL), else the drug's only concentration by the
order's route (oral unless stated; an injection serves intravenous and intramuscular orders: the
methocarbamol and orphenadrine injections are given either way). A volume of a drug with no
liquid by that route, or with liquids of different concentrations and none named, is refused
naming them: never a guessed concentration."""

from __future__ import annotations

from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import Monograph
from myorelax.units import convert, has_dimension

PARENTERAL = ("intravenous", "intramuscular")


def liquid_concentrations(drug: Monograph, product: str | None, route: str) -> set[float]:
    """The mg/mL of the drug's liquids by this route; of the named product's only, when it
    names one."""
    routes = PARENTERAL if route in PARENTERAL else (route,)
    liquids = [p for p in drug.products if p.route in routes]
    named = [p for p in liquids if product and product.lower() in (b.lower() for b in p.brands)]
    return {
        convert(s.value, s.unit, "mg/mL")
        for p in named or liquids
        for s in p.strengths
        if s.value is not None and has_dimension(s.unit, "mg/mL")
    }


def volume_dose_mg(drug: Monograph, order: Order) -> float:
    """The mg of an order whose dose is a volume (mL) of a liquid."""
    assert order.dose is not None and has_dimension(order.dose.unit, "mL")
    route = order.route or "oral"
    concentrations = liquid_concentrations(drug, order.product, route)
    volume = convert(order.dose.value, order.dose.unit, "mL") * (order.tablets or 1)
    if not concentrations:
        kind = "oral liquid" if route == "oral" else f"{route} liquid"
        raise InputError(
            f"{order.dose.value:g} {order.dose.unit} given, but {drug.name} has no {kind}; "
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
