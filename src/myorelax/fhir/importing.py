"""A patient record and draft orders from FHIR R4 resources (plain dicts, no I/O).

`record_from_fhir` turns a Bundle (or any list of resources) into a domain `Patient`: age from
birthDate, sex from gender, the latest weight, height, serum creatinine and eGFR Observations
(LOINC), active Conditions mapped to the condition ids the checks know, dialysis, active
AllergyIntolerances and current MedicationRequests / MedicationStatements as `Order`s. Every
derived, skipped or missing fact is stated in `notes`. `orders_from_fhir` reads draft
MedicationRequests (a CDS Hooks ``draftOrders`` Bundle) into orders to check.

A resource that is merely incomplete or unusual is skipped with a note; only input that is not
FHIR at all (not a JSON object with a resourceType) raises `InputError`. This module reads
dicts directly (no `fhir.resources` models): it is on the CDS Hooks request path and must be fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from myorelax.clinical.not_checked import NotChecked, NotCheckedReason
from myorelax.clinical.patient import Patient, build_patient
from myorelax.clinical.regimen import Order
from myorelax.clinical.renal import CREATININE_MG_DL_PER_UNIT
from myorelax.clinical.sig import orders_for, parse_medication
from myorelax.errors import InputError, PatientDataError
from myorelax.fhir.codes import (
    DIALYSIS_RECENT_DAYS,
    ICD10_DIALYSIS_PREFIXES,
    ICD10_SYSTEMS,
    OBSERVATION_CODES,
    RXNORM,
    SMOKING_STATUS_LOINC,
    SNOMED,
    SNOMED_DIALYSIS_CONDITIONS,
    SNOMED_DIALYSIS_PROCEDURES,
    UCUM,
    ObservationKind,
)
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import (
    MedicationMatch,
    Terminology,
    condition_by_code,
    default_terminology,
    icd10_key,
    normalize_name,
)

Resource = dict[str, Any]


class FhirRecord(BaseModel):
    """What a FHIR record says about the patient, and how it was read."""

    model_config = ConfigDict(frozen=True)

    patient: Patient
    notes: tuple[str, ...] = ()
    patient_fhir_id: str | None = None
    medication_references: tuple[str | None, ...] = ()
    """``Type/id`` of the resource each of `patient.medications` came from (parallel)."""


class DraftOrders(BaseModel):
    """Draft MedicationRequests read as orders; `ids` are the MedicationRequest ids (parallel to
    `orders`: a combination product gives one order per ingredient); `not_checked` says which
    drafts could not be read (not checked)."""

    model_config = ConfigDict(frozen=True)

    orders: tuple[Order, ...] = ()
    ids: tuple[str | None, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def unrecognized(self) -> tuple[str, ...]:
        return tuple(n.item for n in self.not_checked if n.kind == "medication")


# --------------------------------------------------------------------------------------------
# Reading dicts defensively


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _d(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _codings(concept: Any) -> list[Mapping[str, Any]]:
    return [c for c in _l(_d(concept).get("coding")) if isinstance(c, Mapping)]


def _concept_text(concept: Any) -> str | None:
    text = _s(_d(concept).get("text"))
    if text:
        return text
    for c in _codings(concept):
        shown = _s(c.get("display")) or _s(c.get("code"))
        if shown:
            return shown
    return None


def _status_code(value: Any) -> str | None:
    """A status given as a code string (R4 `status`) or a CodeableConcept (`clinicalStatus`)."""
    if isinstance(value, str):
        return value.strip().lower() or None
    for c in _codings(value):
        code = _s(c.get("code"))
        if code:
            return code.lower()
    return None


def _label(r: Mapping[str, Any]) -> str:
    rid = _s(r.get("id"))
    return f"{r.get('resourceType')} {rid}" if rid else str(r.get("resourceType"))


def _reference(r: Mapping[str, Any]) -> str | None:
    rid = _s(r.get("id"))
    return f"{r.get('resourceType')}/{rid}" if rid else None


def _date(value: Any) -> date | None:
    """The calendar date of a FHIR date / dateTime / instant (partial dates: first day)."""
    text = _s(value)
    if not text:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{round(value, 2):g}"


# --------------------------------------------------------------------------------------------
# Resources and references


def resources_of(bundle_or_resources: Any, *, field: str = "resources") -> list[Resource]:
    """The resources in a Bundle (of any type; nested Bundles are opened), a single resource,
    or a list of either. A Bundle entry whose resource lacks an id gets the id of its
    ``urn:uuid:`` fullUrl (in a copy), so references between entries resolve. Raise InputError
    when the input is not FHIR (not a JSON object with a resourceType)."""
    out: list[Resource] = []
    _collect(bundle_or_resources, field, out)
    return out


def _collect(item: Any, where: str, out: list[Resource]) -> None:
    if isinstance(item, list | tuple):
        for i, x in enumerate(item):
            _collect(x, f"{where}[{i}]", out)
        return
    if not isinstance(item, Mapping):
        raise InputError(
            f"is not a FHIR resource (a JSON object), got {type(item).__name__}", field=where
        )
    rt = item.get("resourceType")
    if not isinstance(rt, str) or not rt:
        raise InputError("is not a FHIR resource: it has no resourceType", field=where)
    if rt != "Bundle":
        out.append(item if isinstance(item, dict) else dict(item))
        return
    for i, entry in enumerate(_l(item.get("entry"))):
        resource = _d(entry).get("resource")
        if not isinstance(resource, Mapping):
            continue  # an entry without a resource (e.g. a search outcome): nothing to read
        full_url = _s(_d(entry).get("fullUrl"))
        if not _s(resource.get("id")) and full_url and full_url.startswith("urn:uuid:"):
            resource = {**resource, "id": full_url.removeprefix("urn:uuid:")}
        _collect(resource, f"{where}.entry[{i}].resource", out)


def _ref_key(ref: str) -> str:
    """``Type/id`` of a relative or absolute reference (version dropped); uuids/oids as is."""
    if ref.startswith(("urn:uuid:", "urn:oid:")):
        return ref
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def _ref_id(ref: str) -> str:
    if ref.startswith("urn:uuid:"):
        return ref.removeprefix("urn:uuid:")
    return _ref_key(ref).split("/")[-1]


class _Index:
    """References to resources: ``Type/id``, ``urn:uuid:id`` and absolute URLs."""

    def __init__(self, resources: Iterable[Resource], terminology: Terminology) -> None:
        self.term = terminology
        self.conditions = _condition_index(terminology.kb)
        self._by: dict[str, Resource] = {}
        for r in resources:
            rid = _s(r.get("id"))
            if rid:
                self._by.setdefault(f"{r['resourceType']}/{rid}", r)
                self._by.setdefault(f"urn:uuid:{rid}", r)

    def resolve(
        self, reference: Any, container: Mapping[str, Any] | None = None
    ) -> Resource | None:
        ref = _s(_d(reference).get("reference")) if isinstance(reference, Mapping) else None
        if not ref:
            return None
        if ref.startswith("#"):
            for c in _l(_d(container).get("contained")):
                if isinstance(c, dict) and c.get("id") == ref[1:]:
                    return c
            return None
        return self._by.get(ref) or self._by.get(_ref_key(ref))


# --------------------------------------------------------------------------------------------
# Terminology look-ups


@dataclass(frozen=True)
class _Conditions:
    by_name: dict[str, str]
    snomed: dict[str, str]
    icd10: dict[str, str]
    groups: frozenset[str]


def _condition_index(kb: KnowledgeBase) -> _Conditions:
    found = _CONDITIONS.get(id(kb))
    if found is None or found[0] is not kb:
        found = (kb, _build_condition_index(kb))
        _CONDITIONS[id(kb)] = found
    return found[1]


_CONDITIONS: dict[int, tuple[KnowledgeBase, _Conditions]] = {}


def _build_condition_index(kb: KnowledgeBase) -> _Conditions:
    by_name: dict[str, str] = {}
    snomed: dict[str, str] = {}
    icd10: dict[str, str] = {}
    for c in kb.conditions.values():
        for label in (c.id, c.name, *c.synonyms):
            by_name.setdefault(normalize_name(label), c.id)
        for code in c.snomed:
            snomed[code] = c.id
        for code in c.icd10:
            icd10[icd10_key(code)] = c.id
    return _Conditions(by_name, snomed, icd10, frozenset(kb.groups))


_SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|situation|procedure|event|morphologic abnormality|"
    r"observable entity|substance|product|medicinal product|clinical drug)\)\s*$",
    re.IGNORECASE,
)


def _condition_of(concept: Any, idx: _Conditions) -> tuple[str | None, str]:
    """The condition id a Condition's code maps to (by code, else by display text), and how."""
    for c in _codings(concept):
        system, code = _s(c.get("system")), _s(c.get("code"))
        if not code:
            continue
        if system == SNOMED and code in idx.snomed:
            return idx.snomed[code], f"SNOMED CT {code}"
        if system in ICD10_SYSTEMS:
            hit = idx.icd10.get(icd10_key(code)) or condition_by_code(code)
            if hit:
                return hit, f"ICD-10 {code}"
    texts = [_s(_d(concept).get("text"))] + [_s(c.get("display")) for c in _codings(concept)]
    for text in texts:
        if text:
            key = normalize_name(_SEMANTIC_TAG.sub("", text))
            if key in idx.by_name:
                return idx.by_name[key], "its name"
    return None, ""


# --------------------------------------------------------------------------------------------
# Products: which ingredients, which strengths (the one resolver, knowledge.terminology)

NDC_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/ndc", "urn:oid:2.16.840.1.113883.6.69"})


@dataclass(frozen=True)
class _Med:
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


def _resolve_concept(concept: Mapping[str, Any], term: Terminology) -> _Med | None:
    """The medication a CodeableConcept names: by RxNorm code (any term type), by NDC, else by
    its text or displays (brand, RxNorm product name, ingredient); None when nothing resolves."""
    texts: list[str] = []
    for t in [_s(concept.get("text"))] + [_s(c.get("display")) for c in _codings(concept)]:
        if t and t not in texts:
            texts.append(t)
    shown = texts[0] if texts else ""
    matches: list[MedicationMatch] = []
    for c in _codings(concept):
        code, system = _s(c.get("code")), _s(c.get("system"))
        if not code:
            continue
        try:
            if code.isdigit() and system in (RXNORM, None):
                matches.append(term.resolve_code(code, display=_s(c.get("display"))))
            elif system in NDC_SYSTEMS:
                matches.append(term.resolve_ndc(code))
        except InputError:
            continue
        break
    if not matches:
        for text in texts:
            try:
                matches.append(term.resolve_medication(_SEMANTIC_TAG.sub("", text)))
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
    return _Med(match=match, name=name, text=shown or name)


def _medication_concept(
    r: Mapping[str, Any], index: _Index
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
            shown = _s(ref.get("display"))
            if shown:
                return {"text": shown}, None
            return None, f"medication {ref.get('reference')!r} is not in the record"
        code = med.get("code")
        if isinstance(code, Mapping) and (_codings(code) or _s(code.get("text"))):
            return code, None
        # No code: the ingredients, as a combination product.
        names = []
        for ing in _l(med.get("ingredient")):
            item = _d(ing).get("itemCodeableConcept")
            text = _concept_text(item)
            num = _d(_d(_d(ing).get("strength")).get("numerator"))
            value, unit = _num(num.get("value")), _s(num.get("unit")) or _s(num.get("code"))
            if text:
                names.append(f"{text} {_fmt(value)} {unit}" if value and unit else text)
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
    for c in _codings(timing.get("code")):
        code = (_s(c.get("code")) or "").upper()
        if code in _TIMING_CODES:
            return _TIMING_CODES[code]
        m = re.fullmatch(r"Q(\d+)H", code)
        if m:
            return f"q{m.group(1)}h"
    repeat = _d(timing.get("repeat"))
    when = [w.upper() for w in _l(repeat.get("when")) if isinstance(w, str)]
    per = _num(repeat.get("frequencyMax")) or _num(repeat.get("frequency")) or 1.0
    period = _num(repeat.get("period"))
    unit = _s(repeat.get("periodUnit"))
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
            return f"q{_fmt(interval)}h"
        return None
    if when == ["HS"]:
        return "qhs"
    if _num(repeat.get("count")) == 1 and not period:
        return "once"
    return None


def _route(dosage: Mapping[str, Any]) -> str | None:
    text = " ".join(
        t
        for t in [_s(_d(dosage.get("route")).get("text"))]
        + [_s(c.get("display")) for c in _codings(dosage.get("route"))]
        if t
    ).lower()
    for word, route in _ROUTE_WORDS:
        if word in text:
            return route
    return None


def _duration(timing: Mapping[str, Any]) -> str | None:
    bounds = _d(_d(timing.get("repeat")).get("boundsDuration"))
    value = _num(bounds.get("value"))
    unit = (_s(bounds.get("code")) or _s(bounds.get("unit")) or "").lower()
    if not value or value <= 0:
        return None
    if unit in ("d", "day", "days"):
        return f"for {_fmt(value)} days"
    if unit in ("wk", "week", "weeks"):
        return f"for {_fmt(value)} weeks"
    return None


@dataclass
class _Read:
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


def _drug_only(med: _Med, start: date | None) -> list[Order]:
    return list(orders_for(med.match, med.text, start=start))


def _dose_part(
    med: _Med, dosage: Mapping[str, Any], label: str, notes: list[str]
) -> tuple[str, str]:
    """(prefix, strength) of the dose text: ('1 tab ', '350 mg'), ('', '5 mg') or ('', '')."""
    dose_and_rate = _d((_l(dosage.get("doseAndRate")) or [{}])[0])
    quantity = _d(dose_and_rate.get("doseQuantity"))
    if not quantity and dose_and_rate.get("doseRange"):
        quantity = _d(_d(dose_and_rate.get("doseRange")).get("high"))
        if quantity:
            notes.append(f"{label}: dose range; its upper end was checked")
    value = _num(quantity.get("value"))
    if not value or value <= 0:
        notes.append(f"{label}: no dose in the dosage; checked without a dose")
        return "", ""
    units = [
        u.lower().strip("{}")
        for u in (_s(quantity.get("code")), _s(quantity.get("unit")))
        if u is not None
    ]
    unit = units[0] if units else ""
    if med.combination and (unit in _MASS_UNITS or unit in _VOLUME_UNITS):
        notes.append(
            f"{label}: dose {_fmt(value)} {unit} of a combination product; checked without a dose"
        )
        return "", ""
    if unit in _MASS_UNITS:
        return "", f"{_fmt(value)} {_MASS_UNITS[unit]}"
    if unit in _VOLUME_UNITS:
        if med.concentration_mg_ml:
            return "", f"{_fmt(value * med.concentration_mg_ml)} mg"
        notes.append(
            f"{label}: dose {_fmt(value)} mL without the concentration; checked without a dose"
        )
        return "", ""
    if unit in _COUNT_UNITS or not unit:
        if med.names_strengths and med.match.ingredients[0].strength is not None:
            if not unit:
                notes.append(
                    f"{label}: dose {_fmt(value)} has no unit; read as {_fmt(value)} unit(s)"
                )
            return f"{_fmt(value)} tab ", ""
        if med.strength is None:
            notes.append(
                f"{label}: dose {_fmt(value)} {unit or 'unit(s)'} but the strength is not in the "
                "record; checked without a dose"
            )
            return "", ""
        strength = f"{_fmt(med.strength[0])} {med.strength[1]}"
        if not unit:
            notes.append(
                f"{label}: dose {_fmt(value)} has no unit; read as {_fmt(value)} x {strength}"
            )
        return f"{_fmt(value)} tab ", strength
    notes.append(f"{label}: dose unit {unit!r} not read; checked without a dose")
    return "", ""


def _orders_from_dosage(
    med: _Med, dosage: Mapping[str, Any], start: date | None, label: str
) -> tuple[list[Order], list[str]]:
    notes: list[str] = []
    timing = _d(dosage.get("timing"))
    prefix, strength = _dose_part(med, dosage, label, notes)
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
    text = _s(dosage.get("text"))
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
    return _drug_only(med, start), [*notes, f"{label}: {what}; checked as drug only"]


def _read_medication(r: Resource, index: _Index) -> _Read:
    out = _Read()
    label = _label(r)
    concept, problem = _medication_concept(r, index)
    if concept is None:
        out.skip(
            f"{label}: {problem}; not checked",
            label,
            "unknown_drug",
            f"{label}: {problem}; its interactions were not checked",
        )
        return out
    med = _resolve_concept(concept, index.term)
    shown = _concept_text(concept) or "medication"
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
    dosages = [d for d in _l(r.get("dosage" if is_statement else "dosageInstruction")) if d]
    period = _d(r.get("effectivePeriod"))
    start = _date(r.get("authoredOn")) or _date(period.get("start"))
    start = start or _date(r.get("effectiveDateTime"))
    if len(dosages) > 1:
        out.notes.append(f"{label}: {len(dosages)} dosage instructions; the first was read")
    if not dosages or not isinstance(dosages[0], Mapping):
        out.orders += _drug_only(med, start)
        out.notes.append(f"{label}: {shown}, no dosage; checked as drug only")
        return out
    orders, notes = _orders_from_dosage(med, dosages[0], start, label)
    if any(n.endswith("checked without a dose") for n in notes):
        # The record's dose could not be read: no dose is assumed (not even the product's).
        orders = [o.model_copy(update={"dose": None, "tablets": None}) for o in orders]
    out.orders += orders
    out.notes += notes
    return out


# --------------------------------------------------------------------------------------------
# Observations

_WEIGHT_KG = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "lb": 0.45359237, "lbs": 0.45359237}
_HEIGHT_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54, "in": 2.54}


def _egfr_factor(unit: str) -> float | None:
    return 1.0 if unit.startswith("ml/min") else None


@dataclass(frozen=True)
class _Value:
    kind: ObservationKind
    value: float  # in kg, cm, mg/dL or mL/min/1.73 m2
    when: date | None
    order: int
    label: str
    original: str  # the value as recorded, when converted
    comparator: str | None


def _observation_value(r: Mapping[str, Any], kind: ObservationKind, i: int) -> _Value | None:
    quantity = _d(r.get("valueQuantity"))
    value = _num(quantity.get("value"))
    if value is None:
        return None
    units = []
    if _s(quantity.get("system")) in (UCUM, None) and _s(quantity.get("code")):
        units.append(str(quantity["code"]))
    if _s(quantity.get("unit")):
        units.append(str(quantity["unit"]))
    factor: float | None = None
    unit_used = ""
    for u in units:
        key = u.replace(" ", "").lower()
        if kind == "weight":
            factor = _WEIGHT_KG.get(key)
        elif kind == "height":
            factor = _HEIGHT_CM.get(key)
        elif kind == "creatinine":
            factor = CREATININE_MG_DL_PER_UNIT.get(key)
        else:
            factor = _egfr_factor(key)
        if factor is not None:
            unit_used = u
            break
    if factor is None:
        return None
    period = _d(r.get("effectivePeriod"))
    when = (
        _date(r.get("effectiveDateTime"))
        or _date(r.get("effectiveInstant"))
        or _date(period.get("end"))
        or _date(period.get("start"))
        or _date(r.get("issued"))
    )
    original = f"{_fmt(value)} {unit_used}" if factor != 1.0 else ""
    comparator = _s(quantity.get("comparator"))
    return _Value(kind, value * factor, when, i, _label(r), original, comparator)


_KIND_TEXT: dict[ObservationKind, tuple[str, str]] = {
    "weight": ("weight", "kg"),
    "height": ("height", "cm"),
    "creatinine": ("serum creatinine", "mg/dL"),
    "egfr": ("eGFR", "mL/min/1.73 m2"),
}


def _latest(values: list[_Value], today: date) -> tuple[_Value, str]:
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


# --------------------------------------------------------------------------------------------
# The record

_CURRENT_REQUEST = frozenset({"active", "on-hold"})
_CURRENT_STATEMENT = frozenset({"active", "intended", "on-hold"})
_REQUEST_INTENTS = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order", "plan"}
)
_ACTIVE_CONDITION = frozenset({"active", "recurrence", "relapse"})
_NOT_PRESENT = frozenset({"entered-in-error", "refuted"})
_MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement"})


def _subject_id(r: Mapping[str, Any]) -> str | None:
    for key in ("subject", "patient"):
        ref = _s(_d(r.get(key)).get("reference"))
        if ref:
            return _ref_id(ref)
    return None


def _age(birth: str, today: date) -> tuple[float | None, str]:
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", birth)
    if not m:
        return None, f"birthDate {birth!r} is not a date; age unknown"
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    note = f"age from birthDate {birth}"
    if month is None:
        month, day = 7, 1
        note += " (year only: taken as mid-year)"
    elif day is None:
        day = 15
        note += " (no day: taken as mid-month)"
    age = today.year - year - ((today.month, today.day) < (month, day))
    if age < 0:
        return None, f"birthDate {birth} is after {today.isoformat()}; age unknown"
    return float(age), f"age {age} years {note.removeprefix('age ')}"


def _demographics(
    person: Mapping[str, Any] | None, today: date, notes: list[str]
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if person is None:
        notes.append("no Patient resource: age and sex unknown")
        return data
    birth = _s(person.get("birthDate"))
    if birth:
        age, note = _age(birth, today)
        notes.append(note)
        if age is not None:
            data["age_years"] = age
    else:
        notes.append("no birthDate: age unknown")
    gender = _s(person.get("gender"))
    data["sex"] = gender if gender in ("female", "male") else "unknown"
    if data["sex"] == "unknown":
        notes.append(f"gender {gender or 'missing'}: sex unknown")
    if person.get("deceasedBoolean") is True or _s(person.get("deceasedDateTime")):
        notes.append("the Patient is recorded as deceased")
    return data


def _is_dialysis_condition(concept: Any) -> bool:
    for c in _codings(concept):
        system, code = _s(c.get("system")), _s(c.get("code"))
        if not code:
            continue
        if system == SNOMED and code in SNOMED_DIALYSIS_CONDITIONS:
            return True
        if system in ICD10_SYSTEMS and icd10_key(code).startswith(ICD10_DIALYSIS_PREFIXES):
            return True
    return False


class _Record:
    """Reads the resources about one patient, collecting facts and notes."""

    def __init__(self, index: _Index, today: date) -> None:
        self.term = index.term
        self.index = index
        self.today = today
        self.notes: list[str] = []
        self.values: dict[ObservationKind, list[_Value]] = {}
        self.conditions: list[str] = []
        self.smoking: list[tuple[date, int, Resource]] = []
        self.dialysis: list[str] = []
        self.allergies: list[str] = []
        self.orders: list[Order] = []
        self.order_refs: list[str | None] = []
        self.not_checked: list[NotChecked] = []
        self.allergy_resources = 0
        self.skipped: dict[str, int] = {}

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def read(self, r: Resource, position: int) -> None:
        rt = r.get("resourceType")
        if rt == "Observation":
            self.observation(r, position)
        elif rt == "Condition":
            self.condition(r)
        elif rt == "Procedure":
            self.procedure(r)
        elif rt == "AllergyIntolerance":
            self.allergy_resources += 1
            allergy, problem = _allergy(r, self.index)
            if problem:
                self.notes.append(problem)
            if allergy and allergy not in self.allergies:
                self.allergies.append(allergy)
        elif rt in _MEDICATION_TYPES:
            self.medication(r)

    def observation(self, r: Resource, position: int) -> None:
        if _status_code(r.get("status")) in ("entered-in-error", "cancelled"):
            return
        codes = {_s(c.get("code")) for c in _codings(r.get("code"))}
        if codes & SMOKING_STATUS_LOINC and r.get("valueCodeableConcept"):
            when = _date(r.get("effectiveDateTime")) or _date(r.get("issued"))
            if when is None or when <= self.today:
                self.smoking.append((when or date.min, position, r))
            return
        for c in _codings(r.get("code")):
            kind = OBSERVATION_CODES.get(_s(c.get("code")) or "")
            if kind is None:
                continue
            v = _observation_value(r, kind, position)
            if v is not None and v.when is not None and v.when > self.today:
                self.skip(f"Observation(s) dated after {self.today.isoformat()}")
            elif v is not None:
                self.values.setdefault(kind, []).append(v)
            return

    def smoking_status(self) -> None:
        """The latest tobacco smoking status Observation, as a condition when its value maps to
        one (a current smoker); a never or former smoker adds nothing."""
        if not self.smoking:
            return
        _when, _pos, r = max(self.smoking, key=lambda x: (x[0], x[1]))
        shown = _concept_text(r.get("valueCodeableConcept")) or "(no value)"
        cid, how = _condition_of(r.get("valueCodeableConcept"), self.index.conditions)
        if cid is not None and cid not in self.conditions:
            self.conditions.append(cid)
            self.notes.append(f"Smoking status {shown}: {cid} (by {how})")

    def condition(self, r: Resource) -> None:
        shown = _concept_text(r.get("code")) or "(no code)"
        verification = _status_code(r.get("verificationStatus"))
        if verification in _NOT_PRESENT:
            self.notes.append(f"{_label(r)} {shown}: {verification}; ignored")
            return
        clinical = _status_code(r.get("clinicalStatus"))
        abated = any(k.startswith("abatement") for k in r)
        if clinical not in _ACTIVE_CONDITION and not (clinical is None and not abated):
            self.skip("resolved or inactive Condition(s)")
            return
        if _is_dialysis_condition(r.get("code")):
            self.dialysis.append(f"dialysis from {_label(r)} {shown}")
        cid, how = _condition_of(r.get("code"), self.index.conditions)
        if cid is None:
            self.notes.append(f"Condition {shown}: not a condition the checks use")
        elif cid not in self.conditions:
            self.conditions.append(cid)
            self.notes.append(f"Condition {shown}: {cid} (by {how})")

    def procedure(self, r: Resource) -> None:
        codes = {_s(c.get("code")) for c in _codings(r.get("code"))}
        if not codes & SNOMED_DIALYSIS_PROCEDURES:
            return
        if _status_code(r.get("status")) not in ("completed", "in-progress", None):
            return
        period = _d(r.get("performedPeriod"))
        when = (
            _date(r.get("performedDateTime"))
            or _date(period.get("end"))
            or _date(period.get("start"))
        )
        if when is None:
            return
        shown = _concept_text(r.get("code")) or "dialysis"
        if 0 <= (self.today - when).days <= DIALYSIS_RECENT_DAYS:
            self.dialysis.append(f"dialysis from Procedure {shown} on {when.isoformat()}")
        else:
            self.notes.append(
                f"Procedure {shown} on {when.isoformat()} is more than "
                f"{DIALYSIS_RECENT_DAYS} days old; not read as on dialysis"
            )

    def medication(self, r: Resource) -> None:
        rt = str(r.get("resourceType"))
        status = _status_code(r.get("status"))
        current = _CURRENT_STATEMENT if rt == "MedicationStatement" else _CURRENT_REQUEST
        intent = _status_code(r.get("intent"))
        if status not in current:
            self.skip(f"{rt} {status or 'without status'} (not current)")
            return
        if rt == "MedicationRequest" and intent and intent not in _REQUEST_INTENTS:
            self.skip(f"{rt} of intent {intent}")
            return
        if r.get("doNotPerform") is True:
            self.skip(f"{rt} marked do-not-perform")
            return
        read = _read_medication(r, self.index)
        self.notes += read.notes
        if status == "on-hold":
            self.notes.append(f"{_label(r)} is on hold; checked as current")
        self.not_checked += [n for n in read.not_checked if n not in self.not_checked]
        for order in read.orders:
            if any((o.drug, o.text) == (order.drug, order.text) for o in self.orders):
                self.notes.append(f"{_label(r)} repeats a current {order.drug} order; counted once")
                continue
            self.orders.append(order)
            self.order_refs.append(_reference(r))

    def measurements(self) -> dict[str, Any]:
        """Weight, height, creatinine and eGFR (the latest of each), dialysis, with notes. An
        eGFR older than the latest creatinine is left for the checks to recompute."""
        data: dict[str, Any] = {}
        fields = {"weight": "weight_kg", "height": "height_cm", "creatinine": "scr_mg_dl"}
        latest: dict[ObservationKind, _Value] = {}
        kinds: tuple[ObservationKind, ...] = ("weight", "height", "creatinine", "egfr")
        for kind in kinds:
            if self.values.get(kind):
                best, text = _latest(self.values[kind], self.today)
                latest[kind] = best
                self.notes.append(text)
                if kind in fields:
                    data[fields[kind]] = round(best.value, 3)
        if "egfr" in latest:
            egfr, scr = latest["egfr"], latest.get("creatinine")
            if scr and scr.when and egfr.when and egfr.when < scr.when:
                self.notes.append(
                    "the eGFR is older than the latest serum creatinine; eGFR is recomputed "
                    "from the creatinine"
                )
            else:
                data["egfr_ml_min"] = round(egfr.value, 1)
        if self.dialysis:
            data["dialysis"] = True
            self.notes += self.dialysis
        elif "creatinine" not in latest and "egfr" not in latest:
            self.notes.append("no kidney function in the record")
        return data


def record_from_fhir(
    resources: Any,
    *,
    today: date | None = None,
    patient_id: str | None = None,
    terminology: Terminology | None = None,
) -> FhirRecord:
    """The patient a FHIR record describes (see the module docstring); `patient_id` picks the
    Patient (and the resources about them) when the record holds more than one. Drugs and
    conditions are read with `terminology` (default: that of the knowledge base in use)."""
    term = terminology or default_terminology()
    today = today or date.today()
    items = resources_of(resources)
    notes: list[str] = []
    wanted = _ref_id(patient_id) if patient_id else None
    patients = [r for r in items if r.get("resourceType") == "Patient"]
    if wanted:
        patients = [p for p in patients if p.get("id") == wanted]
    person = patients[0] if patients else None
    if len(patients) > 1:
        notes.append(f"{len(patients)} Patient resources; {_label(person or {})} was used")
    pid = wanted or (_s(person.get("id")) if person else None)
    data = _demographics(person, today, notes)

    rec = _Record(_Index(items, term), today)
    rec.notes = notes
    for i, r in enumerate(items):
        if r.get("resourceType") in ("Patient", "Bundle"):
            continue
        subject = _subject_id(r)
        if pid and subject and subject != pid:
            rec.skip("resource(s) about another patient")
            continue
        rec.read(r, i)
    data.update(rec.measurements())
    rec.smoking_status()
    for what, n in sorted(rec.skipped.items()):
        notes.append(f"{n} {what} not used")

    data.update(
        conditions=tuple(rec.conditions),
        # No AllergyIntolerance in the record is "not recorded", not "no known allergies".
        allergies=tuple(rec.allergies) if rec.allergy_resources else None,
        medications=tuple(rec.orders),
        not_checked=tuple(rec.not_checked),
    )
    patient = _build(data, notes)
    return FhirRecord(
        patient=patient,
        notes=tuple(notes),
        patient_fhir_id=pid,
        medication_references=tuple(rec.order_refs),
    )


_OPTIONAL = ("age_years", "weight_kg", "height_cm", "scr_mg_dl", "egfr_ml_min")


def _build(data: dict[str, Any], notes: list[str]) -> Patient:
    """The Patient; an impossible value from the record (weight 0, age 200) is dropped with a
    note rather than failing the whole record."""
    for _ in range(len(_OPTIONAL) + 1):
        try:
            return build_patient(data)
        except PatientDataError as exc:
            name = (exc.field or "").split(".")[0]
            if name not in data or name not in _OPTIONAL:
                raise
            notes.append(f"{name} {data.pop(name)!r} from the record not used: {exc.message}")
    return build_patient(data)


_ALLERGY_PREFIX = re.compile(r"^(?:allergy|allergic reaction|hypersensitivity) to\s+", re.I)


def _allergy(r: Mapping[str, Any], index: _Index) -> tuple[str | None, str | None]:
    label = _label(r)
    code = r.get("code")
    shown = _concept_text(code) or "(no substance)"
    clinical = _status_code(r.get("clinicalStatus"))
    verification = _status_code(r.get("verificationStatus"))
    if verification in _NOT_PRESENT or clinical in ("inactive", "resolved"):
        return None, None
    categories = {c for c in _l(r.get("category")) if isinstance(c, str)}
    if categories and not categories & {"medication", "biologic"}:
        kinds = "/".join(sorted(categories))
        return None, f"{label}: {kinds} allergy ({shown}); not a drug, not checked"
    for c in _codings(code):
        value = _s(c.get("code"))
        if value and value.isdigit() and _s(c.get("system")) == RXNORM:
            try:
                match = index.term.resolve_code(value)
            except InputError:
                continue
            return match.ingredients[0].ingredient.id, None
    texts = [_s(_d(code).get("text"))] + [_s(c.get("display")) for c in _codings(code)]
    groups = index.conditions.groups
    for text in texts:
        if not text:
            continue
        bare = _ALLERGY_PREFIX.sub("", _SEMANTIC_TAG.sub("", text)).strip()
        try:
            found = index.term.resolve_medication(bare)
        except InputError:
            found = None
        if found is not None:
            return found.ingredients[0].ingredient.id, None
        key = bare.lower().replace(" ", "_").replace("-", "_")
        if key in groups:
            return key, None
    if shown == "(no substance)":
        return None, f"{label}: no substance; not checked"
    return shown, None


def orders_from_fhir(
    resources: Any,
    *,
    field: str = "draftOrders",
    terminology: Terminology | None = None,
    referenced: Sequence[Mapping[str, Any]] = (),
) -> DraftOrders:
    """Draft MedicationRequests (e.g. CDS Hooks ``draftOrders``) as orders to check. A drug not
    known here is returned in `unrecognized` (to say it was not checked), not raised.
    `referenced` holds resources the orders may point at from elsewhere in the request (the
    Medication of a `medicationReference`, prefetched or fetched)."""
    items = resources_of(resources, field=field)
    index = _Index([*items, *(dict(r) for r in referenced)], terminology or default_terminology())
    orders: list[Order] = []
    ids: list[str | None] = []
    unknown: list[NotChecked] = []
    notes: list[str] = []
    for r in items:
        rt = r.get("resourceType")
        if rt not in _MEDICATION_TYPES:
            if rt != "Medication":
                notes.append(f"{_label(r)}: not a medication order; ignored")
            continue
        status = _status_code(r.get("status"))
        if status in ("entered-in-error", "cancelled", "stopped", "completed"):
            notes.append(f"{_label(r)}: status {status}; not checked")
            continue
        if r.get("doNotPerform") is True:
            notes.append(f"{_label(r)}: do not perform; not checked")
            continue
        read = _read_medication(r, index)
        notes += read.notes
        unknown += read.not_checked
        for order in read.orders:
            orders.append(order)
            ids.append(_s(r.get("id")))
    return DraftOrders(
        orders=tuple(orders), ids=tuple(ids), not_checked=tuple(unknown), notes=tuple(notes)
    )
