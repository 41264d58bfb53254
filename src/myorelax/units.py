"""The one pint unit registry of myorelax, and helpers to parse and convert quantities.

Parsing a unit with pint costs tens of microseconds, so parsed units, conversion factors and
dimension tests are memoised: the units in play are few (mg, mcg, g, mL, mg/mL, mL/min, h, day,
...) and all multiplicative, so a conversion is one cached factor times the value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pint

from myorelax.errors import UnitError


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[Any]:
    """The shared registry: SI plus `mcg`, with `h`, `day`, `week`, `year`, `percent`."""
    reg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    reg.define("mcg = microgram")
    reg.define("ug = microgram")
    return reg


@lru_cache(maxsize=1024)
def _parsed(text: str) -> pint.Unit | None:
    try:
        return registry().parse_units(text)
    except Exception:  # pint raises several unrelated types
        return None


def parse_unit(text: str, *, field: str = "unit") -> pint.Unit:
    """Parse a unit expression such as ``mg``, ``ng*h/mL`` or ``mL/min``; raise UnitError."""
    if not text or not text.strip():
        raise UnitError("is empty", field=field)
    unit = _parsed(text.strip())
    if unit is None:
        raise UnitError(f"{text!r} is not a unit", field=field)
    return unit


@lru_cache(maxsize=4096)
def _factor(unit: str, to: str) -> float | None:
    src, dst = _parsed(unit), _parsed(to)
    if src is None or dst is None:
        return None
    try:
        return float(registry().Quantity(1.0, src).to(dst).magnitude)
    except pint.DimensionalityError:
        return None


def convert(value: float, unit: str, to: str, *, field: str = "unit") -> float:
    """Convert `value` from `unit` to `to`; raise UnitError when the dimensions differ."""
    factor = _factor(unit.strip(), to.strip())
    if factor is None:
        parse_unit(unit, field=field)
        parse_unit(to, field=field)
        raise UnitError(f"{unit!r} cannot be expressed in {to!r}", field=field)
    return value * factor


@lru_cache(maxsize=4096)
def has_dimension(unit: str, reference: str) -> bool:
    """Whether `unit` has the same dimensionality as `reference` (e.g. ``mcg`` and ``mg``)."""
    a, b = _parsed(unit), _parsed(reference)
    return a is not None and b is not None and a.dimensionality == b.dimensionality


_CONCENTRATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z/*]+)\s*$")


def parse_concentration(text: str, *, field: str = "threshold") -> float:
    """A concentration written with its unit ("10 mcg/mL", "0.5 mg/L") in mg/L."""
    m = _CONCENTRATION.match(text)
    if not m or not has_dimension(m.group(2), "mg/L"):
        raise UnitError(f"{text!r} is not a concentration such as 10 mcg/mL", field=field)
    return convert(float(m.group(1)), m.group(2), "mg/L")
