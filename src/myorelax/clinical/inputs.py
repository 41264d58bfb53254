"""Build a patient and a regimen from plain data (CLI flags, JSON/YAML files, API bodies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from myorelax.clinical.patient import Patient, build_patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError, PatientDataError, UnknownDrugError
from myorelax.knowledge.terminology import Ingredient, default_terminology, resolve_condition

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


def parse_orders(texts: Iterable[str], *, field: str) -> tuple[Order, ...]:
    return tuple(parse_sig(t, field=f"{field}[{i}]") for i, t in enumerate(texts))


def stopping_order(text: str) -> Order:
    """A drug being stopped: a name ('baclofen') or dose text ('baclofen 20 mg qid')."""
    term = default_terminology()
    try:
        return parse_sig(text, field="stopping")
    except InputError:
        ing = term.resolve(text, field="stopping").ingredient
    return drug_only_order(text, ing)


def drug_only_order(text: str, ing: Ingredient) -> Order:
    """An order naming the drug alone (no dose): checked as the drug only."""
    return Order(
        text=text, drug=ing.id, drug_name=ing.name, rxcui=ing.rxcui, has_monograph=ing.has_monograph
    )


def patient_from_data(data: Mapping[str, Any]) -> Patient:
    """A Patient from a mapping of patient fields; `medications` are dose texts; `conditions`
    are names or ids; medication `start` dates may be given as {sig, start}."""
    raw = dict(data)
    if "sex" in raw and raw["sex"] is not None:
        sex = _SEX.get(str(raw["sex"]).strip().lower())
        if sex is None:
            raise PatientDataError(f"{raw['sex']!r} is not female, male or unknown", field="sex")
        raw["sex"] = sex
    conditions = raw.get("conditions") or []
    if isinstance(conditions, str):
        conditions = [conditions]
    raw["conditions"] = tuple(
        resolve_condition(str(c), field=f"conditions[{i}]") for i, c in enumerate(conditions)
    )
    allergies = raw.get("allergies") or []
    raw["allergies"] = tuple([allergies] if isinstance(allergies, str) else allergies)
    meds = raw.get("medications") or []
    orders: list[Order] = []
    unknown: list[str] = list(raw.get("unrecognized_medications") or [])
    for i, item in enumerate(meds if isinstance(meds, list) else [meds]):
        start = None
        if isinstance(item, Mapping):
            if item.get("start"):
                start = _date(item["start"], f"medications[{i}].start")
            item = item.get("sig")
        if not isinstance(item, str):
            raise InputError("must be dose text (SIG)", field=f"medications[{i}]")
        try:
            orders.append(parse_sig(item, start=start, field=f"medications[{i}]"))
        except UnknownDrugError as exc:
            # A current medication the knowledge base does not know is reported, not fatal:
            # the check says plainly that it was not checked.
            hint = f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""
            unknown.append(f"{item}{hint}")
    raw["medications"] = tuple(orders)
    raw["unrecognized_medications"] = tuple(unknown)
    return build_patient(raw)


def target_order(drug_id: str, text: str, *, field: str = "target") -> Order:
    """A titration target: a full SIG, or only dose and frequency ("20 mg tid") of `drug_id`."""
    body = text.strip()
    if body[:1].isdigit() or body[:1] == ".":
        body = f"{drug_id} {body}"
    return parse_sig(body, field=field)


def regimen_from(
    orders: Iterable[str], stopping: Iterable[str] = (), *, start: date | None = None
) -> Regimen:
    return Regimen(
        orders=tuple(parse_sig(t, start=start, field=f"order[{i}]") for i, t in enumerate(orders)),
        stopping=tuple(stopping_order(s) for s in stopping),
    )


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{value!r} is not a date (use YYYY-MM-DD)", field=field) from None
