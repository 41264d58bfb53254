"""The resources of one request indexed by reference (`Medication/123`, `#contained`,
`urn:uuid:...`), with the terminology and the condition index they are read with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from myorelax.fhir.conditions import (
    condition_index,
)
from myorelax.fhir.reading import (
    Resource,
    items,
    mapping,
    ref_key,
    string,
)
from myorelax.knowledge.terminology import (
    Terminology,
)


class ResourceIndex:
    """References to resources: ``Type/id``, ``urn:uuid:id`` and absolute URLs."""

    def __init__(self, resources: Iterable[Resource], terminology: Terminology) -> None:
        self.term = terminology
        self.conditions = condition_index(terminology.kb)
        self._by: dict[str, Resource] = {}
        for r in resources:
            rid = string(r.get("id"))
            if rid:
                self._by.setdefault(f"{r['resourceType']}/{rid}", r)
                self._by.setdefault(f"urn:uuid:{rid}", r)

    def resolve(
        self, reference: Any, container: Mapping[str, Any] | None = None
    ) -> Resource | None:
        ref = (
            string(mapping(reference).get("reference")) if isinstance(reference, Mapping) else None
        )
        if not ref:
            return None
        if ref.startswith("#"):
            for c in items(mapping(container).get("contained")):
                if isinstance(c, dict) and c.get("id") == ref[1:]:
                    return c
            return None
        return self._by.get(ref) or self._by.get(ref_key(ref))
