"""Machine views shared by the command line and the service: the same JSON from both.

`to_jsonable` turns domain objects into plain JSON data (None fields left out); the `*_view`
functions build the documents that `--json` prints and `/api/v1/...` returns.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import Terminology


def to_jsonable(obj: Any) -> Any:
    """Pydantic models and containers of them as plain JSON data."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", exclude_none=True)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def strength_summary(drug: Monograph) -> str:
    parts: list[str] = []
    for p in drug.products:
        s = "/".join(f"{a.value:g}" if a.value is not None else a.text() for a in p.strengths)
        unit = p.strengths[0].unit if p.strengths else ""
        parts.append(f"{p.form.replace('_', ' ')} {s} {unit}".strip())
    return "; ".join(parts)


def drug_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One row per monograph for `drugs list`."""
    rows = []
    for drug in sorted(kb.drugs.values(), key=lambda d: d.id):
        rows.append(
            {
                "id": drug.id,
                "name": drug.name,
                "classes": list(drug.classes),
                "rxcui": drug.identifiers.rxcui.value,
                "dea_schedule": drug.identifiers.dea_schedule.value,
                "brands": list(drug.names.brands),
                "routes": sorted({p.route for p in drug.products}),
                "strengths": strength_summary(drug),
            }
        )
    return rows


def drug_list_view(kb: KnowledgeBase) -> dict[str, Any]:
    return {"knowledge_version": kb.version, "drugs": drug_rows(kb)}


def cited_sources(models: list[Any]) -> set[str]:
    """Every source id cited anywhere inside these models."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, BaseModel):
            src = getattr(node, "source", None)
            if isinstance(src, str):
                found.add(src)
            for name in type(node).model_fields:
                visit(getattr(node, name))
        elif isinstance(node, tuple | list):
            for item in node:
                visit(item)

    for m in models:
        visit(m)
    return found


def monograph_of(kb: KnowledgeBase, term: Terminology, name: str, *, field: str) -> Monograph:
    """The monograph a name resolves to; a known non-relaxant is said plainly."""
    ingredient = term.resolve(name, field=field).ingredient
    if not ingredient.has_monograph or ingredient.id not in kb.drugs:
        code = f"RxCUI {ingredient.rxcui}" if ingredient.rxcui else "no confirmed RxCUI"
        raise InputError(
            f"{name!r} is {ingredient.name} ({code}), a member of "
            f"{', '.join(ingredient.groups)}; it has no monograph here (only muscle relaxants do)",
            field=field,
        )
    return kb.drugs[ingredient.id]


def drug_show_view(
    kb: KnowledgeBase, term: Terminology, name: str, *, field: str = "name"
) -> dict[str, Any]:
    """One monograph with its active metabolites and every source they cite."""
    resolution = term.resolve(name, field=field)
    drug = monograph_of(kb, term, name, field=field)
    metabolites = [kb.drugs[m.drug] for m in drug.active_metabolites if m.drug in kb.drugs]
    cited = sorted(cited_sources([drug, *metabolites]))
    view: dict[str, Any] = to_jsonable(
        {
            "knowledge_version": kb.version,
            "query": name,
            "resolved": resolution,
            "drug": drug,
            "metabolites": metabolites,
            "sources": {sid: kb.sources[sid] for sid in cited},
        }
    )
    return view
