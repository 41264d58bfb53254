"""Observations: weight, height, serum creatinine and eGFR with their units, and the latest value
of each, said with its date."""

from __future__ import annotations

import math
import re
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
    concept_text,
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


# An eGFR written as text, as laboratories report the ends of its range: '>60', '<15', '> 90
# mL/min/1.73m2'. eGFR has one unit, so the number needs none; serum creatinine as text (mg/dL
# or umol/L?) is not read.
_EGFR_TEXT = re.compile(
    r"^\s*(<=|>=|<|>)?\s*(\d+(?:\.\d+)?)\s*(?:ml/min(?:/1\.73\s*m(?:2|²|\^2))?)?\s*$", re.I
)


def _bounded(value: float, comparator: str | None) -> float:
    """The value a comparator leaves to use: the bound itself, except that '<15' is just below
    15 (so that a rule for 'below 15' applies, as the report says)."""
    return math.nextafter(value, 0.0) if comparator == "<" else value


def _text_value(r: Mapping[str, Any], kind: ObservationKind, i: int) -> ObservedValue | None:
    text = string(r.get("valueString"))
    m = _EGFR_TEXT.match(text or "") if kind == "egfr" else None
    if m is None:
        return None
    comparator, value = m.group(1), float(m.group(2))
    when = _when(r)
    return ObservedValue(
        kind, _bounded(value, comparator), when, i, label_of(r), f"{text!r} as text", comparator
    )


def unread_reason(r: Mapping[str, Any]) -> str:
    """Why an Observation of a kind the importer reads gave no value (said, never skipped)."""
    quantity = mapping(r.get("valueQuantity"))
    if number(quantity.get("value")) is not None:
        unit = string(quantity.get("unit")) or string(quantity.get("code")) or "(none)"
        return f"{label_of(r)}: unit {unit!r} not read"
    if string(r.get("valueString")):
        return f"{label_of(r)}: value {r['valueString']!r} (text) not read"
    absent = concept_text(r.get("dataAbsentReason"))
    return f"{label_of(r)}: no value" + (f" ({absent})" if absent else "")


def _when(r: Mapping[str, Any]) -> date | None:
    period = mapping(r.get("effectivePeriod"))
    return (
        date_of(r.get("effectiveDateTime"))
        or date_of(r.get("effectiveInstant"))
        or date_of(period.get("end"))
        or date_of(period.get("start"))
        or date_of(r.get("issued"))
    )


def observation_value(r: Mapping[str, Any], kind: ObservationKind, i: int) -> ObservedValue | None:
    quantity = mapping(r.get("valueQuantity"))
    value = number(quantity.get("value"))
    if value is None:
        return _text_value(r, kind, i)
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
    original = f"{fmt_number(value)} {unit_used}" if factor != 1.0 else ""
    comparator = string(quantity.get("comparator"))
    return ObservedValue(
        kind, _bounded(value * factor, comparator), _when(r), i, label_of(r), original, comparator
    )


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
    elif best.original and best.original.endswith(" as text"):
        text = text.replace(f" ({best.original})", f" (recorded as {best.original})")
    dated = best.when.isoformat() if best.when else "undated"
    text += f" from Observation {dated}"
    if len(values) > 1:
        text += f" (latest of {len(values)})"
    if best.when and (today - best.when).days > 365:
        text += "; more than a year old"
    return best, text
