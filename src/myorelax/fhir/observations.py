"""Observations: weight, height, serum creatinine and eGFR with their units, and the latest value
of each, said with its date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from myorelax.clinical.renal import CREATININE_MG_DL_PER_UNIT
from myorelax.fhir.codes import (
    UCUM,
    ObservationKind,
)
from myorelax.fhir.reading import (
    date_of,
    fmt_number,
    label_of,
    mapping,
    number,
    string,
    unreadable_number,
)
from myorelax.units import ucum_factor

# --------------------------------------------------------------------------------------------
# Observations


def egfr_factor(unit: str) -> float | None:
    """eGFR in mL/min/1.73 m2: UCUM "mL/min/{1.73_m2}" (the annotation dropped) or written out
    ("mL/min/1.73m2")."""
    if unit.replace(" ", "").lower().startswith("ml/min/1.73"):
        return 1.0
    return ucum_factor(unit, "mL/min")


@dataclass(frozen=True)
class ObservedValue:
    kind: ObservationKind
    value: float  # in kg, cm, mg/dL or mL/min/1.73 m2
    when: date | None
    order: int
    label: str
    original: str  # the value as recorded, when converted
    comparator: str | None


def observation_value(r: Mapping[str, Any], kind: ObservationKind, i: int) -> ObservedValue | None:
    quantity = mapping(r.get("valueQuantity"))
    value = number(quantity.get("value"))
    if value is None:
        return None
    units = []
    if string(quantity.get("system")) in (UCUM, None) and string(quantity.get("code")):
        units.append(str(quantity["code"]))
    if string(quantity.get("unit")):
        units.append(str(quantity["unit"]))
    factor: float | None = None
    unit_used = ""
    for u in units:
        key = u.replace(" ", "").lower()
        if kind == "weight":
            factor = ucum_factor(u, "kg")
        elif kind == "height":
            factor = ucum_factor(u, "cm")
        elif kind == "creatinine":
            factor = CREATININE_MG_DL_PER_UNIT.get(key)
        else:
            factor = egfr_factor(u)
        if factor is not None:
            unit_used = u
            break
    if factor is None:
        return None
    period = mapping(r.get("effectivePeriod"))
    when = (
        date_of(r.get("effectiveDateTime"))
        or date_of(r.get("effectiveInstant"))
        or date_of(period.get("end"))
        or date_of(period.get("start"))
        or date_of(r.get("issued"))
    )
    original = f"{fmt_number(value)} {unit_used}" if factor != 1.0 else ""
    comparator = string(quantity.get("comparator"))
    return ObservedValue(kind, value * factor, when, i, label_of(r), original, comparator)


def unreadable_value(r: Mapping[str, Any]) -> str | None:
    """Why the Observation's value is not read, when it is a number that is not a readable one
    (NaN, an infinity): said, rather than skipped as if the Observation had no value."""
    raw = mapping(r.get("valueQuantity")).get("value")
    if unreadable_number(raw):
        return f"{label_of(r)}: value {raw!r} (valueQuantity.value) is not a readable number"
    return None


_KIND_TEXT: dict[ObservationKind, tuple[str, str]] = {
    "weight": ("weight", "kg"),
    "height": ("height", "cm"),
    "creatinine": ("serum creatinine", "mg/dL"),
    "egfr": ("eGFR", "mL/min/1.73 m2"),
}


def kind_name(kind: ObservationKind) -> str:
    """What an observation kind is called in the notes ('serum creatinine')."""
    return _KIND_TEXT[kind][0]


def latest_value(values: list[ObservedValue], today: date) -> tuple[ObservedValue, str]:
    best = max(values, key=lambda v: (v.when or date.min, v.order))
    name, unit = _KIND_TEXT[best.kind]
    value = round(best.value, 2) if best.kind == "creatinine" else round(best.value, 1)
    text = f"{name} {value:g} {unit}"
    if best.original:
        text += f" ({best.original})"
    if best.comparator:
        text += f" (recorded as {best.comparator} {value:g}; the bound was used)"
    dated = best.when.isoformat() if best.when else "undated"
    text += f" from Observation {dated}"
    if len(values) > 1:
        text += f" (latest of {len(values)})"
    if best.when and (today - best.when).days > 365:
        text += "; more than a year old"
    return best, text
