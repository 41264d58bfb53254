"""Orders and regimens: what is (to be) taken, how much, how often, for how long."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field

from myorelax.frozen import Frozen
from myorelax.units import convert, has_dimension

# The frequency codes the SIG reader writes: once; a continuous infusion or pump; named daily
# codes (with an added bedtime dose, "+hs"); every n hours ("q8h", "q0.5h"); n times a day.
FREQUENCY_CODE = (
    r"^(?:once|continuous|qpm|qhs|(?:qd|bid|tid|qid)(?:\+hs)?|q\d+(?:\.\d+)?h|\d+x/day)$"
)
_EVERY_HOURS = re.compile(r"^q(\d+(?:\.\d+)?)h$")


class Frequency(Frozen):
    """How often: a code, doses per day, the interval, and default clock times."""

    code: str = Field(pattern=FREQUENCY_CODE)
    doses_per_day: float = Field(ge=0, le=24)
    interval_h: float | None = Field(default=None, gt=0, le=168)
    times: tuple[str, ...] = ()
    single: bool = False

    @property
    def every_hours(self) -> float | None:
        """The interval of an "every n hours" code (q8h: 8), else None."""
        m = _EVERY_HOURS.match(self.code)
        return float(m.group(1)) if m else None


class Dose(Frozen):
    """An amount per administration, in the unit it was written in."""

    value: float = Field(gt=0)
    unit: str

    @property
    def is_mass(self) -> bool:
        return has_dimension(self.unit, "mg")

    @property
    def is_mass_rate(self) -> bool:
        return has_dimension(self.unit, "mg/day")

    def mg(self) -> float | None:
        """The dose in mg, or None when it is not a mass (a volume, a count)."""
        if self.is_mass:
            return convert(self.value, self.unit, "mg")
        return None


MAX_TABLETS = 20  # the most tablets (or capsules) one dose of an order may be
MAX_DOSES_PER_DAY = 24


def cap_per_day(
    *,
    doses: float | None = None,
    tablets: float | None = None,
    mg: float | None = None,
    tablets_per_dose: float | None = None,
    strength_mg: float | None = None,
) -> float | None:
    """An order's own cap on a day ('max 3 doses', 'max 6 tabs', 'max 30 mg' a day) as doses a
    day: tablets over the tablets of a dose, milligrams over the milligrams of a dose (the
    strength times the tablets); None when it cannot be said in doses or is outside 0-24."""
    if doses is not None:
        cap: float | None = doses
    elif tablets is not None:
        cap = tablets / (tablets_per_dose or 1.0)
    elif mg is not None and strength_mg:
        cap = mg / (strength_mg * (tablets_per_dose or 1.0))
    else:
        cap = None
    return cap if cap is not None and 0 < cap <= MAX_DOSES_PER_DAY else None


class Order(Frozen):
    """One ingredient of a drug order or current medication, parsed from dose text (SIG).

    A combination product ("Percocet 5/325 1 tab q6h prn") is one order per ingredient, each
    with its own strength; `product` names the product and `components` all its ingredients,
    so every ingredient takes part in every rule and a report can still show the line whole."""

    text: str
    drug: str = Field(description="ingredient id (monograph id, class member or RxNorm ingredient)")
    drug_name: str
    rxcui: str
    has_monograph: bool
    product: str | None = Field(default=None, description="the product the ingredient came from")
    product_rxcui: str | None = None
    components: tuple[str, ...] = Field(
        default=(), description="ingredient ids of the whole product (a combination: two or more)"
    )
    dose: Dose | None = None
    tablets: float | None = Field(default=None, gt=0, le=MAX_TABLETS)
    route: str | None = None
    frequency: Frequency | None = None
    prn: bool = False
    duration_days: float | None = Field(default=None, gt=0, le=3650)
    start: date | None = None
    max_doses_per_day: float | None = Field(
        default=None,
        gt=0,
        le=MAX_DOSES_PER_DAY,
        description="the order's own cap on its doses in a day ('q6h prn, max 3 doses/day')",
    )

    @property
    def dose_mg(self) -> float | None:
        if self.dose is None:
            return None
        mg = self.dose.mg()
        if mg is None:
            return None
        return mg * (self.tablets or 1.0)

    @property
    def doses_per_day(self) -> float | None:
        """Doses a day: the frequency's, or fewer when the order caps them itself."""
        if self.frequency is None:
            return None
        if self.max_doses_per_day is None:
            return self.frequency.doses_per_day
        return min(self.frequency.doses_per_day, self.max_doses_per_day)

    @property
    def capped(self) -> bool:
        """Whether the order's own cap, not its frequency, sets its doses a day."""
        return self.max_doses_per_day is not None and self.doses_per_day == self.max_doses_per_day

    @property
    def daily_dose_mg(self) -> float | None:
        """The most that the order allows in a day (an as-needed order at its full frequency,
        or at its own cap when it states one)."""
        if self.dose_mg is None or self.frequency is None:
            return None
        if self.frequency.single:
            return self.dose_mg
        return self.dose_mg * (self.doses_per_day or 0.0)


def per_kg_in_mg(orders: tuple[Order, ...], weight_kg: float | None) -> tuple[Order, ...]:
    """Orders whose dose is per kg of body weight ('dantrolene 2.5 mg/kg IV') with the dose in
    mg at this weight; `orders` itself when none is per kg or there is no weight (their dose
    limits are then not checked, and the check says so)."""
    per_kg = [o.dose is not None and has_dimension(o.dose.unit, "mg/kg") for o in orders]
    if weight_kg is None or not any(per_kg):
        return orders
    out = []
    for o in orders:
        if o.dose is not None and has_dimension(o.dose.unit, "mg/kg"):
            mg = convert(o.dose.value, o.dose.unit, "mg/kg") * weight_kg
            o = o.model_copy(update={"dose": Dose(value=mg, unit="mg")})
        out.append(o)
    return tuple(out)


class Regimen(Frozen):
    """Orders being checked, and drugs being stopped."""

    orders: tuple[Order, ...] = ()
    stopping: tuple[Order, ...] = ()
