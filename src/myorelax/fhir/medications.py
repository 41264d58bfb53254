"""Medications: a MedicationRequest or MedicationStatement (its medication concept, or a contained,
bundled or referenced Medication) resolved to ingredients and strengths by the one resolver, and
its dosage (dose, timing, route, duration) read into orders."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from myorelax.clinical.not_checked import NotChecked, NotCheckedReason
from myorelax.clinical.regimen import Order
from myorelax.clinical.sig import orders_for, parse_medication
from myorelax.errors import InputError
from myorelax.fhir.codes import (
    RXNORM,
)
from myorelax.fhir.index import (
    ResourceIndex,
)
from myorelax.fhir.reading import (
    SEMANTIC_TAG,
    Resource,
    codings,
    concept_text,
    date_of,
    fmt_number,
    items,
    label_of,
    mapping,
    number,
    string,
)
from myorelax.knowledge.terminology import (
    MedicationMatch,
    Terminology,
)

# --------------------------------------------------------------------------------------------
# Products: which ingredients, which strengths (the one resolver, knowledge.terminology)

NDC_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/ndc", "urn:oid:2.16.840.1.113883.6.69"})


@dataclass(frozen=True)
class ResolvedMedication:
    """A medication concept resolved: its ingredients, and how to name it in dose text."""

    match: MedicationMatch
    name: str
    text: str

    @property
    def combination(self) -> bool:
        return len(self.match.ingredients) > 1

    @property
    def strength(self) -> tuple[float, str] | None:
        """Per unit (tablet) of a one-ingredient product, when the product names it."""
        m = self.match.ingredients[0]
        if self.combination or m.strength is None or m.unit not in ("mg", "mcg", "g"):
            return None
        return (m.strength, m.unit)

    @property
    def concentration_mg_ml(self) -> float | None:
        m = self.match.ingredients[0]
        if self.combination or m.strength is None or m.unit not in ("mg/mL", "mcg/mL"):
            return None
        return m.strength if m.unit == "mg/mL" else m.strength / 1000

    @property
    def names_strengths(self) -> bool:
        """The name used in the dose text carries the strengths (an RxNorm product name)."""
        return self.name == self.match.product


def resolve_concept(concept: Mapping[str, Any], term: Terminology) -> ResolvedMedication | None:
    """The medication a CodeableConcept names: by RxNorm code (any term type), by NDC, else by
    its text or displays (brand, RxNorm product name, ingredient); None when nothing resolves."""
    texts: list[str] = []
    for t in [string(concept.get("text"))] + [string(c.get("display")) for c in codings(concept)]:
        if t and t not in texts:
            texts.append(t)
    shown = texts[0] if texts else ""
    matches: list[MedicationMatch] = []
    for c in codings(concept):
        code, system = string(c.get("code")), string(c.get("system"))
        if not code:
            continue
        try:
            if code.isdigit() and system in (RXNORM, None):
                matches.append(term.resolve_code(code, display=string(c.get("display"))))
            elif system in NDC_SYSTEMS:
                matches.append(term.resolve_ndc(code))
        except InputError:
            continue
        break
    if not matches:
        for text in texts:
            try:
                matches.append(term.resolve_medication(SEMANTIC_TAG.sub("", text)))
                break
            except InputError:
                continue
    if not matches:
        return None
    match = matches[0]
    if len(match.ingredients) == 1:
        name = match.ingredients[0].ingredient.id
    elif match.product:
        name = match.product
    else:
        name = match.matched if not match.matched.isdigit() else shown
    return ResolvedMedication(match=match, name=name, text=shown or name)


def medication_concept(
    r: Mapping[str, Any], index: ResourceIndex
) -> tuple[Mapping[str, Any] | None, str | None]:
    """The medication's CodeableConcept (directly, or through a Medication resource), or a
    problem to note."""
    cc = r.get("medicationCodeableConcept")
    if isinstance(cc, Mapping):
        return cc, None
    ref = r.get("medicationReference")
    r5 = r.get("medication")  # FHIR R5: a CodeableReference {concept} or {reference}
    if ref is None and isinstance(r5, Mapping):
        if isinstance(r5.get("concept"), Mapping):
            return r5["concept"], None
        ref = r5.get("reference")
    if isinstance(ref, Mapping):
        med = index.resolve(ref, r)
        if med is None or med.get("resourceType") != "Medication":
            shown = string(ref.get("display"))
            if shown:
                return {"text": shown}, None
            return None, f"medication {ref.get('reference')!r} is not in the record"
        code = med.get("code")
        if isinstance(code, Mapping) and (codings(code) or string(code.get("text"))):
            return code, None
        # No code: the ingredients, as a combination product.
        names = []
        for ing in items(med.get("ingredient")):
            item = mapping(ing).get("itemCodeableConcept")
            text = concept_text(item)
            num = mapping(mapping(mapping(ing).get("strength")).get("numerator"))
            value, unit = (
                number(num.get("value")),
                string(num.get("unit")) or string(num.get("code")),
            )
            if text:
                names.append(f"{text} {fmt_number(value)} {unit}" if value and unit else text)
        if names:
            return {"text": " / ".join(names)}, None
        return None, f"Medication {med.get('id')} has no code"
    return None, "no medication code"


# --------------------------------------------------------------------------------------------
# Dosage -> dose text (SIG)

_MASS_UNITS = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "ug": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "g": "g",
    "gram": "g",
    "grams": "g",
}
_COUNT_UNITS = frozenset(
    "tablet tablets tab tabs tbl capsule capsules cap caps caplet each unit dose 1".split()
)
_VOLUME_UNITS = frozenset({"ml", "milliliter", "milliliters", "millilitre"})
_TIMING_CODES = {
    "BID": "bid",
    "TID": "tid",
    "QID": "qid",
    "QD": "qd",
    "AM": "qam",
    "PM": "qpm",
    "BED": "qhs",
    "HS": "qhs",
    "QOD": "q48h",
    "WK": "q168h",
}
_PER_DAY = {1: "daily", 2: "bid", 3: "tid", 4: "qid"}
_PERIOD_HOURS = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0}
_ROUTE_WORDS = (
    ("intrathecal", "intrathecal"),
    ("intravenous", "iv"),
    ("intramuscular", "im"),
    ("rectal", "pr"),
    ("nasal", "nasal"),
    ("oral", "po"),
    ("mouth", "po"),
)


def _frequency(timing: Mapping[str, Any]) -> str | None:
    """A SIG frequency from a Timing: its code (BID, Q8H, ...) or repeat (frequency/period)."""
    for c in codings(timing.get("code")):
        code = (string(c.get("code")) or "").upper()
        if code in _TIMING_CODES:
            return _TIMING_CODES[code]
        m = re.fullmatch(r"Q(\d+)H", code)
        if m:
            return f"q{m.group(1)}h"
    repeat = mapping(timing.get("repeat"))
    when = [w.upper() for w in items(repeat.get("when")) if isinstance(w, str)]
    per = number(repeat.get("frequencyMax")) or number(repeat.get("frequency")) or 1.0
    period = number(repeat.get("period"))
    unit = string(repeat.get("periodUnit"))
    if period and period > 0 and unit in _PERIOD_HOURS and per > 0:
        interval = period * _PERIOD_HOURS[unit] / per
        per_day = 24 / interval
        if per_day == 1 and when == ["HS"]:
            return "qhs"
        whole_days = unit in ("d", "wk")
        if whole_days and abs(per_day - round(per_day)) < 1e-6 and 1 <= round(per_day) <= 24:
            n = round(per_day)
            return _PER_DAY.get(n, f"{n} times a day")
        if 1 <= interval <= 168:
            return f"q{fmt_number(interval)}h"
        return None
    if when == ["HS"]:
        return "qhs"
    if number(repeat.get("count")) == 1 and not period:
        return "once"
    return None


def _route(dosage: Mapping[str, Any]) -> str | None:
    text = " ".join(
        t
        for t in [string(mapping(dosage.get("route")).get("text"))]
        + [string(c.get("display")) for c in codings(dosage.get("route"))]
        if t
    ).lower()
    for word, route in _ROUTE_WORDS:
        if word in text:
            return route
    return None


def _duration(timing: Mapping[str, Any]) -> str | None:
    bounds = mapping(mapping(timing.get("repeat")).get("boundsDuration"))
    value = number(bounds.get("value"))
    unit = (string(bounds.get("code")) or string(bounds.get("unit")) or "").lower()
    if not value or value <= 0:
        return None
    if unit in ("d", "day", "days"):
        return f"for {fmt_number(value)} days"
    if unit in ("wk", "week", "weeks"):
        return f"for {fmt_number(value)} weeks"
    return None


@dataclass
class MedicationRead:
    """The outcome of reading one medication resource."""

    orders: list[Order] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, note: str, item: str, reason: NotCheckedReason, detail: str) -> None:
        """A medication (or part of one) that was not checked: a note and a not-checked item."""
        self.notes.append(note)
        self.not_checked.append(
            NotChecked(kind="medication", item=item, reason=reason, detail=detail)
        )


def drug_only(med: ResolvedMedication, start: date | None) -> list[Order]:
    return list(orders_for(med.match, med.text, start=start))


def dose_part(
    med: ResolvedMedication, dosage: Mapping[str, Any], label: str, notes: list[str]
) -> tuple[str, str]:
    """(prefix, strength) of the dose text: ('1 tab ', '350 mg'), ('', '5 mg') or ('', '')."""
    dose_and_rate = mapping((items(dosage.get("doseAndRate")) or [{}])[0])
    quantity = mapping(dose_and_rate.get("doseQuantity"))
    if not quantity and dose_and_rate.get("doseRange"):
        quantity = mapping(mapping(dose_and_rate.get("doseRange")).get("high"))
        if quantity:
            notes.append(f"{label}: dose range; its upper end was checked")
    value = number(quantity.get("value"))
    if not value or value <= 0:
        notes.append(f"{label}: no dose in the dosage; checked without a dose")
        return "", ""
    units = [
        u.lower().strip("{}")
        for u in (string(quantity.get("code")), string(quantity.get("unit")))
        if u is not None
    ]
    unit = units[0] if units else ""
    if med.combination and (unit in _MASS_UNITS or unit in _VOLUME_UNITS):
        notes.append(
            f"{label}: dose {fmt_number(value)} {unit} of a combination product; checked without a dose"
        )
        return "", ""
    if unit in _MASS_UNITS:
        return "", f"{fmt_number(value)} {_MASS_UNITS[unit]}"
    if unit in _VOLUME_UNITS:
        if med.concentration_mg_ml:
            return "", f"{fmt_number(value * med.concentration_mg_ml)} mg"
        notes.append(
            f"{label}: dose {fmt_number(value)} mL without the concentration; checked without a dose"
        )
        return "", ""
    if unit in _COUNT_UNITS or not unit:
        if med.names_strengths and med.match.ingredients[0].strength is not None:
            if not unit:
                notes.append(
                    f"{label}: dose {fmt_number(value)} has no unit; read as {fmt_number(value)} unit(s)"
                )
            return f"{fmt_number(value)} tab ", ""
        if med.strength is None:
            notes.append(
                f"{label}: dose {fmt_number(value)} {unit or 'unit(s)'} but the strength is not in the "
                "record; checked without a dose"
            )
            return "", ""
        strength = f"{fmt_number(med.strength[0])} {med.strength[1]}"
        if not unit:
            notes.append(
                f"{label}: dose {fmt_number(value)} has no unit; read as {fmt_number(value)} x {strength}"
            )
        return f"{fmt_number(value)} tab ", strength
    notes.append(f"{label}: dose unit {unit!r} not read; checked without a dose")
    return "", ""


def orders_from_dosage(
    med: ResolvedMedication, dosage: Mapping[str, Any], start: date | None, label: str
) -> tuple[list[Order], list[str]]:
    notes: list[str] = []
    timing = mapping(dosage.get("timing"))
    prefix, strength = dose_part(med, dosage, label, notes)
    frequency = _frequency(timing)
    prn = dosage.get("asNeededBoolean") is True or isinstance(
        dosage.get("asNeededCodeableConcept"), Mapping
    )
    if frequency is not None:
        words = [f"{prefix}{med.name}", strength, _route(dosage) or "", frequency]
        words += ["prn" if prn else "", _duration(timing) or ""]
        sig = " ".join(w for w in words if w)
        try:
            return list(parse_medication(sig, start=start, field=label).orders), notes
        except InputError as exc:
            notes.append(f"{label}: dose text {sig!r} not accepted ({exc.message})")
    text = string(dosage.get("text"))
    ids = {m.ingredient.id for m in med.match.ingredients}
    if text:
        for sig in (text, f"{med.name} {text}", f"{med.name} {strength} {text}"):
            try:
                orders = parse_medication(sig, start=start, field=label).orders
            except InputError:
                continue
            if {o.drug for o in orders} == ids:
                return list(orders), [*notes, f"{label}: dose read from its text {text!r}"]
    what = "no frequency" if frequency is None else "a dosage not understood"
    if text:
        what += f" (text {text!r})"
    return drug_only(med, start), [*notes, f"{label}: {what}; checked as drug only"]


def read_medication(r: Resource, index: ResourceIndex) -> MedicationRead:
    out = MedicationRead()
    label = label_of(r)
    concept, problem = medication_concept(r, index)
    if concept is None:
        out.skip(
            f"{label}: {problem}; not checked",
            label,
            "unknown_drug",
            f"{label}: {problem}; its interactions were not checked",
        )
        return out
    med = resolve_concept(concept, index.term)
    shown = concept_text(concept) or "medication"
    if med is None:
        out.skip(
            f"{label}: {shown} not a drug known here; not checked",
            shown,
            "unknown_drug",
            f"medication {shown!r} ({label}) is not a drug known here; its interactions were "
            "not checked",
        )
        return out
    if med.match.unresolved:
        missing = ", ".join(med.match.unresolved)
        out.skip(
            f"{label}: {shown} is a combination; {missing} not known here, not checked",
            shown,
            "unknown_component",
            f"{shown!r}: {missing} not known here; not checked",
        )
    is_statement = r.get("resourceType") == "MedicationStatement"
    dosages = [d for d in items(r.get("dosage" if is_statement else "dosageInstruction")) if d]
    period = mapping(r.get("effectivePeriod"))
    start = date_of(r.get("authoredOn")) or date_of(period.get("start"))
    start = start or date_of(r.get("effectiveDateTime"))
    if len(dosages) > 1:
        out.notes.append(f"{label}: {len(dosages)} dosage instructions; the first was read")
    if not dosages or not isinstance(dosages[0], Mapping):
        out.orders += drug_only(med, start)
        out.notes.append(f"{label}: {shown}, no dosage; checked as drug only")
        return out
    orders, notes = orders_from_dosage(med, dosages[0], start, label)
    if any(n.endswith("checked without a dose") for n in notes):
        # The record's dose could not be read: no dose is assumed (not even the product's).
        orders = [o.model_copy(update={"dose": None, "tablets": None}) for o in orders]
    out.orders += orders
    out.notes += notes
    return out
