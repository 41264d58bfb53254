"""Reading FHIR resources as plain dicts, defensively: strings, numbers, codings, dates, status
codes, references, and the resources of a Bundle or list (no `fhir.resources` models: this is on
the CDS Hooks request path)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from myorelax.errors import InputError

Resource = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Reading dicts defensively


def string(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def number(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else, a NaN, an infinity (``1e400``)
    or an integer too large for a float included (`unreadable_number` tells those apart)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def unreadable_number(value: Any) -> bool:
    """A number the record gives that cannot be read as one: NaN, an infinity or an integer
    beyond a float's range (FHIR JSON has none of them; a sender's serializer may)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and number(value) is None


def number_problem(
    holder: Mapping[str, Any], key: str, *, integer: bool = False, positive: bool = False
) -> str | None:
    """Why the number at `key` of a FHIR element cannot be read as its FHIR type (a decimal, or
    with `integer` a positiveInt / unsignedInt), or None when it can or `key` is absent. FHIR
    JSON gives a number as a JSON number: a string ("3"), a boolean, a null, a NaN or an
    infinity is not one. No number of a dose or timing is negative; with `positive` zero is not
    one either (positiveInt, a period). A value not readable is never replaced by a default."""
    if key not in holder:
        return None
    value = holder[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"a JSON {_json_type(value)}, not a number"
    read = number(value)
    if read is None:
        return "not a finite number"
    if integer and read != int(read):
        return "not a whole number"
    if read < 0 or (positive and read == 0):
        return "not positive" if positive else "negative"
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def codings(concept: Any) -> list[Mapping[str, Any]]:
    return [c for c in items(mapping(concept).get("coding")) if isinstance(c, Mapping)]


def concept_text(concept: Any) -> str | None:
    text = string(mapping(concept).get("text"))
    if text:
        return text
    for c in codings(concept):
        shown = string(c.get("display")) or string(c.get("code"))
        if shown:
            return shown
    return None


def status_code(value: Any) -> str | None:
    """A status given as a code string (R4 `status`) or a CodeableConcept (`clinicalStatus`)."""
    if isinstance(value, str):
        return value.strip().lower() or None
    for c in codings(value):
        code = string(c.get("code"))
        if code:
            return code.lower()
    return None


def label_of(r: Mapping[str, Any]) -> str:
    rid = string(r.get("id"))
    return f"{r.get('resourceType')} {rid}" if rid else str(r.get("resourceType"))


def reference_of(r: Mapping[str, Any]) -> str | None:
    rid = string(r.get("id"))
    return f"{r.get('resourceType')}/{rid}" if rid else None


def date_of(value: Any) -> date | None:
    """The calendar date of a FHIR date / dateTime / instant (partial dates: first day)."""
    text = string(value)
    if not text:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def fmt_number(value: float) -> str:
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
    entries = item.get("entry")
    if entries is not None and not isinstance(entries, list):
        # Bundle.entry is a list of BackboneElements: anything else is not a Bundle to read.
        raise InputError(
            f"must be a list of entries, got {type(entries).__name__}", field=f"{where}.entry"
        )
    for i, entry in enumerate(entries or []):
        if not isinstance(entry, Mapping):
            raise InputError(
                f"is not a Bundle entry (a JSON object), got {type(entry).__name__}",
                field=f"{where}.entry[{i}]",
            )
        resource = entry.get("resource")
        if resource is None:
            continue  # an entry without a resource (e.g. a search outcome): nothing to read
        full_url = string(entry.get("fullUrl"))
        if (
            isinstance(resource, Mapping)
            and not string(resource.get("id"))
            and full_url
            and full_url.startswith("urn:uuid:")
        ):
            resource = {**resource, "id": full_url.removeprefix("urn:uuid:")}
        _collect(resource, f"{where}.entry[{i}].resource", out)


def ref_key(ref: str) -> str:
    """``Type/id`` of a relative or absolute reference (version dropped); uuids/oids as is."""
    if ref.startswith(("urn:uuid:", "urn:oid:")):
        return ref
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def ref_id(ref: str) -> str:
    if ref.startswith("urn:uuid:"):
        return ref.removeprefix("urn:uuid:")
    return ref_key(ref).split("/")[-1]


SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|situation|procedure|event|morphologic abnormality|"
    r"observable entity|substance|product|medicinal product|clinical drug)\)\s*$",
    re.IGNORECASE,
)
