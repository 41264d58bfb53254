"""Build a patient and a regimen from plain data (CLI flags, JSON/YAML files, API bodies)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient, build_patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.sig import orders_for, parse_medication, parse_sig
from myorelax.errors import InputError, PatientDataError, UnknownDrugError
from myorelax.knowledge.terminology import (
    Ingredient,
    MedicationMatch,
    Terminology,
    condition_suggestions,
    default_terminology,
    resolve_condition,
)

_SEX = {
    "f": "female",
    "female": "female",
    "w": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "u": "unknown",
    "unknown": "unknown",
    "other": "unknown",
}


# Ways of writing a pregnancy in a list of conditions (a problem list's 'Pregnancy (HCC)').
PREGNANCY_WORDS = frozenset(
    {"pregnancy", "pregnant", "normal pregnancy", "intrauterine pregnancy", "currently pregnant"}
)
# Breastfeeding written among the conditions is the lactation status ('Lactating mother').
LACTATION_WORDS = frozenset(
    {"breastfeeding", "breast feeding", "breast-feeding", "lactating", "lactation", "nursing"}
    | {"lactating mother", "currently breastfeeding", "nursing mother"}
)
_STATUS_WORDS = ((PREGNANCY_WORDS, "pregnant"), (LACTATION_WORDS, "lactating"))
# Dialysis written among the conditions is the dialysis status (and kidney failure): the kidney
# rules have their own dialysis entries, which a condition alone would not reach.
DIALYSIS_WORDS = frozenset(
    {"dialysis", "on dialysis", "hemodialysis", "haemodialysis", "on hemodialysis", "on hd"}
    | {"peritoneal dialysis", "esrd on hd", "esrd on dialysis", "esrd on hemodialysis"}
    | {"eskd on dialysis", "ckd 5d", "ckd stage 5d", "ckd stage 5 on dialysis"}
)
_CONDITION_PARENS = re.compile(r"\s*\([^()]*\)\s*$")

# Ways of writing "no known allergies": an empty, explicit list.
NO_ALLERGIES = frozenset(
    {"none", "nil", "nka", "nkda", "no known allergies", "no known drug allergies", "no allergies"}
)


def parse_orders(
    texts: Iterable[str],
    *,
    field: str,
    start: date | None = None,
    terminology: Terminology | None = None,
) -> tuple[Order, ...]:
    """Orders from dose texts: every ingredient of each line (a combination is several)."""
    out: list[Order] = []
    for i, t in enumerate(texts):
        line = parse_medication(t, start=start, field=f"{field}[{i}]", terminology=terminology)
        out.extend(line.orders)
    return tuple(out)


def medication_orders(
    text: str, *, field: str, start: date | None = None, terminology: Terminology | None = None
) -> tuple[tuple[Order, ...], tuple[NotChecked, ...]]:
    """A current medication line: its ingredients' orders, and what could not be read of it.

    Nothing here is fatal: an unknown drug is listed as not checked (with suggestions); a drug
    that resolves but whose dose text does not parse takes part in every rule without a dose;
    a medication with a monograph and no dose is said to be unchecked for its dose limits."""
    term = terminology or default_terminology()
    if term.products.by_brand(text):
        # The whole line is a brand ('Yaz', 'Aminosyn 10%, Sulfite-Free'): no dose to read.
        return _drug_only(term.resolve_medication(text, field=field), text, start)
    try:
        line = parse_medication(text, start=start, field=field, lenient=True, terminology=term)
    except UnknownDrugError as exc:
        hint = f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""
        why = f"; {exc.detail}" if exc.detail else ""
        return (), (
            NotChecked(
                kind="medication",
                item=text,
                reason="unknown_drug",
                detail=f"medication {text!r} is not a drug known here{hint}{why}; "
                "its interactions were not checked",
            ),
        )
    except InputError as exc:
        # The whole line may be a product name the dose grammar cannot read ('Aminosyn 10%,
        # Sulfite-Free'): checked as the drug only, with the unread dose said.
        try:
            match = term.resolve_medication(text, field=field)
        except InputError:
            return (), (
                NotChecked(
                    kind="medication",
                    item=text,
                    reason="unknown_drug",
                    detail=f"medication {text!r} could not be read ({exc.message}); not checked",
                ),
            )
        orders = tuple(orders_for(match, text, start=start))
        return orders, (
            NotChecked(
                kind="dose",
                item=text,
                reason="unparsed_dose",
                detail=f"{text!r}: {exc.message}; checked as the drug only",
            ),
        )
    notes = [
        NotChecked(kind="dose", item=text, reason="unparsed_dose", detail=f"{text!r}: {problem}")
        for problem in line.problems
    ]
    if line.match.unresolved:
        notes.append(
            NotChecked(
                kind="medication",
                item=text,
                reason="unknown_component",
                detail=f"{text!r}: {', '.join(line.match.unresolved)} not known here; not checked",
            )
        )
    if not line.problems:
        for o in line.orders:
            if o.has_monograph and o.dose is None:
                notes.append(
                    NotChecked(
                        kind="dose",
                        item=text,
                        reason="no_dose",
                        detail=f"{text!r}: no dose given, so the dose limits of "
                        f"{o.drug_name.lower()} were not checked",
                    )
                )
    return line.orders, tuple(notes)


def _drug_only(
    match: MedicationMatch, text: str, start: date | None
) -> tuple[tuple[Order, ...], tuple[NotChecked, ...]]:
    orders = orders_for(match, text, start=start)
    notes = tuple(
        NotChecked(
            kind="dose",
            item=text,
            reason="no_dose",
            detail=f"{text!r}: no dose given, so the dose limits of {o.drug_name.lower()} were "
            "not checked",
        )
        for o in orders
        if o.has_monograph
    )
    return orders, notes


def stopping_orders(text: str, terminology: Terminology | None = None) -> tuple[Order, ...]:
    """A drug being stopped: a name ('baclofen', 'Percocet') or dose text ('baclofen 20 mg
    qid'); a combination stops every ingredient."""
    term = terminology or default_terminology()
    try:
        return parse_medication(text, field="stopping", terminology=term).orders
    except UnknownDrugError:
        raise
    except InputError:
        match = term.resolve_medication(text, field="stopping")
    return tuple(drug_only_order(text, m.ingredient) for m in match.ingredients)


def stopping_order(text: str) -> Order:
    """The one ingredient of a drug being stopped (see `stopping_orders`)."""
    orders = stopping_orders(text)
    with_monograph = [o for o in orders if o.has_monograph]
    return (with_monograph or list(orders))[0]


def drug_only_order(text: str, ing: Ingredient) -> Order:
    """An order naming the drug alone (no dose): checked as the drug only."""
    return Order(
        text=text, drug=ing.id, drug_name=ing.name, rxcui=ing.rxcui, has_monograph=ing.has_monograph
    )


# An eGFR as laboratories report the ends of its range: '>60', '> 90 mL/min/1.73m2', '<15'.
_EGFR_BOUND = re.compile(
    r"^\s*(<=?|>=?)\s*(\d+(?:\.\d+)?)\s*(?:ml/min(?:/1\.73\s*m2?)?)?\s*$", re.IGNORECASE
)


def egfr_bound(value: Any) -> dict[str, Any]:
    """An eGFR given as a bound ('>60') as the patient fields: the number to use (the bound;
    '<15' just below 15, so a rule for 'below 15' applies) and the bound as reported, as the
    FHIR reader reads one; {} when the value is not such a text."""
    m = _EGFR_BOUND.match(value) if isinstance(value, str) else None
    if m is None:
        return {}
    bound = float(m.group(2))
    number = math.nextafter(bound, 0.0) if m.group(1) == "<" else bound
    return {"egfr_ml_min": number, "egfr_reported": f"{m.group(1)}{bound:g}"}


def patient_from_data(data: Mapping[str, Any], terminology: Terminology | None = None) -> Patient:
    """A Patient from a mapping of patient fields; `medications` are dose texts; `conditions`
    are names or ids; medication `start` dates may be given as {sig, start}."""
    raw = dict(data)
    kb = terminology.kb if terminology is not None else None
    given = ""
    if "sex" in raw and raw["sex"] is not None:
        given = str(raw["sex"]).strip().lower()
        sex = _SEX.get(given)
        if sex is None:
            raise PatientDataError(f"{raw['sex']!r} is not female, male or unknown", field="sex")
        raw["sex"] = sex
    notes: list[NotChecked] = [
        n if isinstance(n, NotChecked) else NotChecked.model_validate(n)
        for n in raw.get("not_checked") or []
    ]
    if given == "other":
        # The rules know female and male only (creatinine clearance, pregnancy): said, not lost.
        notes.append(
            NotChecked(
                kind="patient_fact",
                item="sex",
                reason="missing_sex",
                detail="sex given as 'other' is read as unknown: kidney function estimates take "
                "the lower of the female and male values, and pregnancy is taken as possible "
                "unless recorded",
            )
        )
    egfr: Any = raw.get("egfr_ml_min")
    if egfr is None and isinstance(raw.get("egfr_reported"), str):
        egfr = raw["egfr_reported"]  # the bound alone ('>60')
    if isinstance(egfr, str):
        bound = egfr_bound(egfr)
        if bound:
            raw.update(bound)
        elif not re.match(r"\s*\.?\d", egfr):  # a number with its unit is read as a quantity
            raise PatientDataError(
                f"{egfr!r} is not a number or a bound such as '>60'", field="egfr_ml_min"
            )
    conditions = raw.get("conditions") or []
    if isinstance(conditions, str):
        conditions = [conditions]
    known: list[str] = []
    for i, c in enumerate(conditions):
        written = _CONDITION_PARENS.sub("", str(c)).strip().lower()
        status = next((f for words, f in _STATUS_WORDS if written in words), None)
        if status is not None:
            # A pregnancy or breastfeeding written among the conditions is that status.
            if raw.get(status) is False:
                raise PatientDataError(
                    f"{c!r} contradicts {status}: false", field=f"conditions[{i}]"
                )
            raw[status] = True
            continue
        if written in DIALYSIS_WORDS:
            raw["dialysis"] = True
            c = "kidney failure"
        try:
            cid = resolve_condition(str(c), kb, field=f"conditions[{i}]")
        except InputError:
            names = condition_suggestions(str(c), kb)
            hint = f" (did you mean {' or '.join(names)}?)" if names else ""
            notes.append(
                NotChecked(
                    kind="condition",
                    item=str(c),
                    reason="unknown_condition",
                    detail=f"condition {str(c)!r} is not known here{hint}; no rule could use it",
                )
            )
            continue
        if cid not in known:
            known.append(cid)
    raw["conditions"] = tuple(known)
    if "allergies" in raw and raw["allergies"] is not None:
        allergies = raw["allergies"]
        listed = [allergies] if isinstance(allergies, str) else list(allergies)
        raw["allergies"] = tuple(
            a for a in (str(x).strip() for x in listed) if a and a.lower() not in NO_ALLERGIES
        )
    meds = raw.get("medications") or []
    orders: list[Order] = []
    for i, item in enumerate(meds if isinstance(meds, list) else [meds]):
        start = None
        if isinstance(item, Order):
            orders.append(item)
            continue
        if isinstance(item, Mapping):
            if item.get("start"):
                start = _date(item["start"], f"medications[{i}].start")
            item = item.get("sig")
        if not isinstance(item, str):
            raise InputError("must be dose text (SIG)", field=f"medications[{i}]")
        found, unread = medication_orders(
            item, field=f"medications[{i}]", start=start, terminology=terminology
        )
        orders.extend(found)
        notes.extend(unread)
    raw["medications"] = tuple(orders)
    raw["not_checked"] = tuple(notes)
    return build_patient(raw)


def target_order(
    drug_id: str, text: str, *, field: str = "target", terminology: Terminology | None = None
) -> Order:
    """A titration target: a full SIG, or only dose and frequency ("20 mg tid") of `drug_id`."""
    body = text.strip()
    if body[:1].isdigit() or body[:1] == ".":
        body = f"{drug_id} {body}"
    return parse_sig(body, field=field, terminology=terminology)


def regimen_from(
    orders: Iterable[str],
    stopping: Iterable[str] = (),
    *,
    start: date | None = None,
    terminology: Terminology | None = None,
) -> Regimen:
    """Orders and drugs being stopped from people's text, read with `terminology` (the
    knowledge in use; the configured one when not given)."""
    return Regimen(
        orders=parse_orders(orders, field="order", start=start, terminology=terminology),
        stopping=tuple(o for s in stopping for o in stopping_orders(s, terminology)),
    )


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{value!r} is not a date (use YYYY-MM-DD)", field=field) from None
