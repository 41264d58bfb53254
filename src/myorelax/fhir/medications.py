"""Medications: a MedicationRequest, MedicationStatement or MedicationDispense (its medication
concept, or a contained, bundled or referenced Medication) resolved to ingredients and strengths
by the one resolver, and its dosage (dose, timing, route, duration) read into orders."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from myorelax.clinical.not_checked import NotChecked, NotCheckedReason
from myorelax.clinical.regimen import Order
from myorelax.clinical.sig import parse_product
from myorelax.errors import InputError
from myorelax.fhir.codes import NDC_SYSTEMS, RXNORM
from myorelax.fhir.dosage import (
    UNREADABLE,
    WITHOUT_DOSE,
    concurrent_dosages,
    drug_only,
    orders_from_dosage,
    read_duration,
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
    MatchedIngredient,
    MedicationMatch,
    Terminology,
)
from myorelax.units import convert, has_dimension

# --------------------------------------------------------------------------------------------
# Products: which ingredients, which strengths (the one resolver, knowledge.terminology)


@dataclass(frozen=True)
class ResolvedMedication:
    """A medication concept resolved: its ingredients, and how to name it in dose text."""

    match: MedicationMatch
    name: str
    text: str
    alone: MedicationMatch | None = None
    """A one-ingredient product's ingredient on its own, as the terminology names it by its id:
    what its dosed orders name (not the product: the dose says the strength)."""

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
        # An EHR's printed name ('cyclobenzaprine (FLEXERIL) 10 MG tablet',
        # 'nirmatrelvir/ritonavir'): read as the dose grammar reads a medication line.
        read = next((m for t in texts if (m := _printed_name(t, term)) is not None), None)
        if read is not None:
            matches.append(read)
    if not matches:
        return None
    match = matches[0]
    if len(match.ingredients) == 1:
        name = match.ingredients[0].ingredient.id
    elif match.product:
        name = match.product
    else:
        name = match.matched if not match.matched.isdigit() else shown
    alone = ingredient_alone(match, term) if len(match.ingredients) == 1 else None
    return ResolvedMedication(match=match, name=name, text=shown or name, alone=alone)


def _printed_name(text: str, term: Terminology) -> MedicationMatch | None:
    """The medication a printed medication line names, as the dose grammar reads it (a brand in
    parentheses, Tall Man letters, a typed combination with an unknown part said), with a
    one-ingredient product's strength when the text gives it; None when it names no drug
    known here."""
    try:
        return parse_product(SEMANTIC_TAG.sub("", text), terminology=term)
    except InputError:
        return None


def ingredient_alone(match: MedicationMatch, term: Terminology) -> MedicationMatch:
    """The one ingredient of `match` on its own: the terminology's entry for its id (a drug the
    rules know has no product; one met only in the product index keeps that index's ingredient
    entry and its RxCUI; a name that only stood for a product, 'pepto-bismol' of a dose form
    group's code, is its ingredient), else the ingredient with no product. What the dosed
    orders of a one-ingredient product have always named; no dose text is involved."""
    ing = match.ingredients[0]
    try:
        found = term.resolve_medication(ing.ingredient.id)
    except InputError:
        found = None
    if found is not None and len(found.ingredients) == 1:
        return found
    return MedicationMatch(
        query=ing.ingredient.id,
        how="id",
        matched=ing.ingredient.id,
        ingredients=(MatchedIngredient(ingredient=ing.ingredient, written=ing.ingredient.id),),
    )


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
        med = referenced_medication(r, index)
        if med is None:
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
            per_unit = ingredient_strength(mapping(ing).get("strength"))
            if text:
                # The strength per tablet goes with the name; a concentration is read later
                # (with_resource_strength), never as a strength per unit.
                if per_unit is not None and per_unit[1] == "mg":
                    names.append(f"{text} {fmt_number(per_unit[0])} mg")
                else:
                    names.append(text)
        if names:
            return {"text": " / ".join(names)}, None
        return None, f"Medication {med.get('id')} has no code"
    return None, "no medication code"


def referenced_medication(r: Mapping[str, Any], index: ResourceIndex) -> Mapping[str, Any] | None:
    """The Medication resource a request or statement points to (contained, in the bundle or
    fetched), if any."""
    ref = r.get("medicationReference")
    r5 = r.get("medication")
    if ref is None and isinstance(r5, Mapping):
        ref = r5.get("reference")
    if not isinstance(ref, Mapping):
        return None
    med = index.resolve(ref, r)
    return med if med is not None and med.get("resourceType") == "Medication" else None


# A denominator that is one unit of presentation: a tablet, a capsule, 'each' (UCUM '1').
_PRESENTATION_UNITS = frozenset(
    {"tab", "tabs", "tablet", "tablets", "cap", "caps", "capsule", "capsules", "each", "ea", "1"}
    | {"{tbl}", "{tablet}", "{capsule}", "{cap}", "{each}", "unit", "units"}
)


def ingredient_strength(strength: Any) -> tuple[float, str] | None:
    """A Medication.ingredient.strength (a Ratio) as mg per unit of presentation ('mg') or mg per
    mL ('mg/mL'); None when it is not a mass over one tablet or a volume."""
    ratio = mapping(strength)
    num, den = mapping(ratio.get("numerator")), mapping(ratio.get("denominator"))
    value = number(num.get("value"))
    unit = string(num.get("code")) or string(num.get("unit"))
    if value is None or value <= 0 or not unit:
        return None
    try:
        if not has_dimension(unit, "mg"):
            return None
        mg = convert(value, unit, "mg")
    except InputError:
        return None
    if not den:
        return mg, "mg"
    d_value = number(den.get("value"))
    d_unit = string(den.get("code")) or string(den.get("unit")) or "1"
    if d_value is None or d_value <= 0:
        return None
    if d_unit.lower() in _PRESENTATION_UNITS:
        return (mg, "mg") if d_value == 1 else None
    try:
        if has_dimension(d_unit, "mL"):
            return mg / convert(d_value, d_unit, "mL"), "mg/mL"
    except InputError:
        return None
    return None


def with_resource_strength(
    med: ResolvedMedication, resource: Mapping[str, Any] | None, term: Terminology
) -> ResolvedMedication:
    """A one-ingredient medication whose code names no strength ('Baclofen oral tablet'), with
    the strength its Medication resource gives (ingredient.strength: 10 mg per tablet, 5 mg per
    5 mL); the medication as it was otherwise."""
    if resource is None or med.combination or med.match.ingredients[0].strength is not None:
        return med
    mine = med.match.ingredients[0].ingredient.id
    found: list[tuple[float, str]] = []
    for ing in items(resource.get("ingredient")):
        strength = ingredient_strength(mapping(ing).get("strength"))
        item = mapping(ing).get("itemCodeableConcept")
        named = resolve_concept(item, term) if isinstance(item, Mapping) else None
        if named is not None and {i.ingredient.id for i in named.match.ingredients} != {mine}:
            continue
        if strength is not None:
            found.append(strength)
    if len(found) != 1:
        return med
    value, unit = found[0]
    first = med.match.ingredients[0].model_copy(update={"strength": value, "unit": unit})
    match = med.match.model_copy(update={"ingredients": (first,)})
    return ResolvedMedication(match=match, name=med.name, text=med.text, alone=med.alone)


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
    if med is not None:
        med = with_resource_strength(med, referenced_medication(r, index), index.term)
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
    # A MedicationDispense: taken from when it was handed over (or prepared).
    start = start or date_of(r.get("whenHandedOver")) or date_of(r.get("whenPrepared"))
    dosages = [d for d in dosages if isinstance(d, Mapping)]
    if not dosages:
        out.orders += drug_only(med, start)
        out.notes.append(f"{label}: {shown}, no dosage; checked as drug only")
        _dose_not_checked(out, out.orders, shown, label, "no dosage in the record")
        return out
    now, later = concurrent_dosages(dosages)
    if len(now) > 1:
        out.notes.append(
            f"{label}: {len(now)} dosage instructions taken together; each read as a line"
        )
    placed = placed_steps(dosages, start) if later else None
    if placed is not None:
        # Steps that say how long each lasts, from a known start: each an order of its dates.
        out.notes.append(
            f"{label}: its dosage changes in {len(placed)} steps (Dosage.sequence); each read "
            "as an order from the day the step before ends"
        )
        now, later = [d for step in placed for d, _ in step], []
    if later:
        steps = sorted({str(d.get("sequence")) for d in later}, key=lambda n: (len(n), n))
        out.not_checked.append(
            NotChecked(
                kind="dose",
                item=shown,
                reason="later_dosage_steps",
                detail=f"{shown!r} ({label}): its dosage changes in steps; the first step was "
                + (
                    f"checked, the later step (sequence {steps[0]}) was not"
                    if len(steps) == 1
                    else f"checked, the later steps (sequence {', '.join(steps)}) were not"
                ),
            )
        )
    orders: list[Order] = []
    notes: list[str] = []
    starts = {id(d): day for step in placed or () for d, day in step}
    for dosage in now:
        read, said = orders_from_dosage(
            med, dosage, starts.get(id(dosage), start), label, index.term
        )
        if any(n.endswith(WITHOUT_DOSE) for n in said):
            # The record's dose could not be read: no dose is assumed (not even the product's).
            read = [o.model_copy(update={"dose": None, "tablets": None}) for o in read]
        orders += read
        notes += [n for n in said if n not in notes]
    out.orders += orders
    out.notes += notes
    unreadable = [n.removeprefix(f"{label}: ") for n in notes if UNREADABLE in n]
    why = next(
        (
            n.removeprefix(f"{label}: ").removesuffix(f"; {WITHOUT_DOSE}")
            for n in notes
            if n.endswith(WITHOUT_DOSE)
        ),
        None,
    )
    _dose_not_checked(
        out, orders, shown, label, why or next(iter(unreadable), "no dose read from its dosage")
    )
    if unreadable and not any(n.kind == "dose" for n in out.not_checked):
        # A broken number is said even for a drug whose dose has no limits here.
        out.not_checked.append(
            NotChecked(
                kind="dose",
                item=shown,
                reason="no_dose",
                detail=f"{shown!r} ({label}): {'; '.join(unreadable)}; its dosage was not "
                "fully checked",
            )
        )
    return out


def placed_steps(
    dosages: list[Mapping[str, Any]], start: date | None
) -> list[list[tuple[Mapping[str, Any], date]]] | None:
    """Dosages of different `sequence` numbers follow one another (a titration, a taper): when
    the record says when the first starts and how long every step but the last lasts
    (timing.repeat.boundsDuration), each step's dosages with the day it starts; else None (the
    later steps are then said to be unchecked)."""
    if start is None:
        return None
    numbers = sorted(
        {n for d in dosages if isinstance(n := d.get("sequence"), int) and not isinstance(n, bool)}
    )
    groups = [[d for d in dosages if d.get("sequence") == n] for n in numbers]
    groups[0] += [d for d in dosages if d.get("sequence") is None]
    out: list[list[tuple[Mapping[str, Any], date]]] = []
    day = start
    for k, group in enumerate(groups):
        out.append([(d, day) for d in group])
        if k == len(groups) - 1:
            break
        # Its length as the dosages' timing gives it (a broken one is noted where they are read).
        read = [read_duration(mapping(d.get("timing")), "", []) for d in group]
        if not read or any(r is None for r in read):
            return None  # where this step ends is not said: the next cannot be placed
        day += timedelta(days=math.ceil(max(r[0] for r in read if r is not None)))
    return out


def _dose_not_checked(
    out: MedicationRead, orders: list[Order], shown: str, label: str, why: str
) -> None:
    """A not-checked item for each ingredient with a monograph that has no dose: its dose limits
    were not checked, said in every interface (a CDS card included), not only in the notes."""
    for o in orders:
        if o.has_monograph and o.dose is None:
            item = NotChecked(
                kind="dose",
                item=shown,
                reason="no_dose",
                detail=f"{shown!r} ({label}): {why}; the dose limits of "
                f"{o.drug_name.lower()} were not checked",
            )
            if item not in out.not_checked:
                out.not_checked.append(item)
