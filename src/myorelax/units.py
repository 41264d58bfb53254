"""The one pint unit registry of myorelax, and helpers to parse and convert quantities."""

from __future__ import annotations

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


def parse_unit(text: str, *, field: str = "unit") -> pint.Unit:
    """Parse a unit expression such as ``mg``, ``ng*h/mL`` or ``mL/min``; raise UnitError."""
    if not text or not text.strip():
        raise UnitError("is empty", field=field)
    try:
        unit = registry().parse_units(text.strip())
    except Exception as exc:  # pint raises several unrelated types
        raise UnitError(f"{text!r} is not a unit ({exc.__class__.__name__})", field=field) from exc
    return unit


def quantity(value: float, unit: str, *, field: str = "unit") -> Any:
    """A pint quantity of `value` in `unit`."""
    return registry().Quantity(value, parse_unit(unit, field=field))


def convert(value: float, unit: str, to: str, *, field: str = "unit") -> float:
    """Convert `value` from `unit` to `to`; raise UnitError when the dimensions differ."""
    q = quantity(value, unit, field=field)
    target = parse_unit(to, field=field)
    try:
        return float(q.to(target).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(f"{unit!r} cannot be expressed in {to!r}", field=field) from exc


def has_dimension(unit: str, reference: str) -> bool:
    """Whether `unit` has the same dimensionality as `reference` (e.g. ``mcg`` and ``mg``)."""
    reg = registry()
    return bool(reg.parse_units(unit).dimensionality == reg.parse_units(reference).dimensionality)
