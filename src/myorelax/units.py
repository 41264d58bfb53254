"""The one pint unit registry of myorelax, and helpers to parse and convert quantities.

pint is the single truth for units, but importing it and building its registry costs about a
second, which a command-line check should not pay. So every unit the program meets is reduced
once, by pint, to a `UnitInfo`: its scale in SI base units and its dimensionality. The table of
those is memoised in the process and kept in the user cache folder (keyed by the pint version
and our own definitions), so later processes convert mg to mcg or mL/min to L/h without importing
pint at all; a unit never seen before loads pint once and is added to the table. All units in
play are multiplicative, so a conversion is the ratio of two scales.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from myorelax.cache import read_cached, write_cached
from myorelax.errors import UnitError

if TYPE_CHECKING:
    import pint

# Definitions added to pint's defaults; part of the cache key.
_DEFINITIONS = ("mcg = microgram", "ug = microgram")
_TABLE_FORMAT = 1


@dataclass(frozen=True)
class UnitInfo:
    """What a unit expression means: `scale` SI base units per unit, and its dimensionality."""

    scale: float
    dims: tuple[tuple[str, float], ...]


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[Any]:
    """The shared registry: SI plus `mcg`, with `h`, `day`, `week`, `year`, `percent`."""
    import pint

    reg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for definition in _DEFINITIONS:
        reg.define(definition)
    return reg


class _Table:
    """Unit text -> UnitInfo (or None for text that is not a unit), loaded from and saved to the
    cache folder."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._known: dict[str, UnitInfo | None] = {}
        self._dirty = False

    @staticmethod
    def _name() -> str:
        from importlib.metadata import version

        tag = f"{_TABLE_FORMAT}-{version('pint')}-{'|'.join(_DEFINITIONS)}"
        return f"units-{_stable_digest(tag)}.json"

    def _load(self) -> None:
        raw = read_cached(self._name())
        if raw is None:
            return
        try:
            data = json.loads(raw)
            for text, entry in data.items():
                self._known[text] = (
                    None
                    if entry is None
                    else UnitInfo(float(entry[0]), tuple((str(d), float(e)) for d, e in entry[1]))
                )
        except (ValueError, TypeError, IndexError, AttributeError):
            self._known.clear()  # a corrupt table is rebuilt from pint

    def get(self, text: str) -> UnitInfo | None:
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True
            if text in self._known:
                return self._known[text]
        info = _from_pint(text)
        with self._lock:
            self._known[text] = info
            self._dirty = True
        return info

    def save(self) -> None:
        """Write the table back if pint added units to it."""
        with self._lock:
            if not self._dirty:
                return
            data = {
                t: None if i is None else [i.scale, [list(d) for d in i.dims]]
                for t, i in self._known.items()
            }
            self._dirty = False
        write_cached(self._name(), json.dumps(data, sort_keys=True).encode())


def _stable_digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _from_pint(text: str) -> UnitInfo | None:
    reg = registry()
    try:
        unit = reg.parse_units(text)
        base = reg.Quantity(1.0, unit).to_base_units()
    except Exception:  # pint raises several unrelated types
        return None
    dims = tuple(
        sorted((str(d), float(e)) for d, e in dict(unit.dimensionality).items())  # type: ignore[arg-type]
    )
    return UnitInfo(scale=float(base.magnitude), dims=dims)


_TABLE = _Table()


def unit_info(text: str) -> UnitInfo | None:
    """The meaning of a unit expression, or None when pint does not read it as a unit."""
    info = _TABLE.get(text.strip())
    _TABLE.save()
    return info


def parse_unit(text: str, *, field: str = "unit") -> UnitInfo:
    """Parse a unit expression such as ``mg``, ``ng*h/mL`` or ``mL/min``; raise UnitError."""
    if not text or not text.strip():
        raise UnitError("is empty", field=field)
    info = unit_info(text)
    if info is None:
        raise UnitError(f"{text!r} is not a unit", field=field)
    return info


@lru_cache(maxsize=4096)
def _factor(unit: str, to: str) -> float | None:
    src, dst = unit_info(unit), unit_info(to)
    if src is None or dst is None or src.dims != dst.dims:
        return None
    # The ratio of two SI scales carries rounding error (1e-6 / 1e-3 is not exactly 1e-3);
    # every factor between the units in play is exact to 12 significant digits.
    return float(f"{src.scale / dst.scale:.12g}")


def convert(value: float, unit: str, to: str, *, field: str = "unit") -> float:
    """Convert `value` from `unit` to `to`; raise UnitError when the dimensions differ."""
    factor = _factor(unit.strip(), to.strip())
    if factor is None:
        parse_unit(unit, field=field)
        parse_unit(to, field=field)
        raise UnitError(f"{unit!r} cannot be expressed in {to!r}", field=field)
    return value * factor


# UCUM codes whose spelling pint does not read (customary units in square brackets; "lbs" as
# EHRs write it); UCUM annotations in braces ("mL/min/{1.73_m2}") are dropped before reading.
_UCUM_ALIASES = {"[lb_av]": "lb", "[oz_av]": "oz", "[in_i]": "inch", "[ft_i]": "ft", "lbs": "lb",
                 "wk": "week", "mo": "month"}  # fmt: skip
_ANNOTATION = re.compile(r"\{[^}]*\}")


def ucum_factor(unit: str, to: str) -> float | None:
    """The factor from a UCUM (or plainly written) unit to `to`, or None when the unit is not
    read or is of another dimension (a weight in "kg", "g", "[lb_av]"; a height in "cm", "[in_i]")."""
    text = _ANNOTATION.sub("", unit.strip()).rstrip("/").strip()
    text = _UCUM_ALIASES.get(text.lower(), text)
    return _factor(text, to)


@lru_cache(maxsize=4096)
def has_dimension(unit: str, reference: str) -> bool:
    """Whether `unit` has the same dimensionality as `reference` (e.g. ``mcg`` and ``mg``)."""
    a, b = unit_info(unit), unit_info(reference)
    return a is not None and b is not None and a.dims == b.dims


_CONCENTRATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z/*]+)\s*$")


def parse_concentration(text: str, *, field: str = "threshold") -> float:
    """A concentration written with its unit ("10 mcg/mL", "0.5 mg/L") in mg/L."""
    m = _CONCENTRATION.match(text)
    if not m or not has_dimension(m.group(2), "mg/L"):
        raise UnitError(f"{text!r} is not a concentration such as 10 mcg/mL", field=field)
    return convert(float(m.group(1)), m.group(2), "mg/L")


def plain_number(x: float, digits: int = 4) -> str:
    """`x` to `digits` significant figures, never in scientific notation: 35000 -> "35,000",
    105000 -> "105,000", 1400 -> "1400", 0.25 -> "0.25" (thousands separated from 10,000 on)."""
    from decimal import Decimal

    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    value = Decimal(f"{x:.{digits}g}")
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    text = format(value, ",f" if abs(value) >= 10000 else "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
