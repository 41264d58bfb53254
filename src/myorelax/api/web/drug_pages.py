"""Drug pages (public: no patient data): every monograph as a readable page with its sources;
every other ingredient the knowledge base knows (a co-medication named in an alert: oxycodone,
ciprofloxacin) as a page saying what is known about it: its classes, and which interactions of
the muscle relaxants name it or one of its classes, with their rules and citations; and each
class as a page of its members. A name that is none of these is a 404 page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from myorelax.api.deps import State
from myorelax.api.web.render import page
from myorelax.api.web.session import MaybeUser
from myorelax.errors import InputError
from myorelax.knowledge.schema import SEVERITY_ORDER, Group, Interaction, KnowledgeBase, Monograph
from myorelax.reports.views import cited_sources, drug_rows, monograph_of

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Mention:
    """An interaction of a muscle relaxant that names an ingredient or class."""

    drug: Monograph
    interaction: Interaction
    via: Group | None  # the class through which it names the ingredient (None: by name)


def _mentions(kb: KnowledgeBase, ingredient: str | None, groups: tuple[str, ...]) -> list[Mention]:
    out: list[Mention] = []
    for drug in sorted(kb.drugs.values(), key=lambda d: d.id):
        for i in drug.interactions:
            if ingredient is not None and i.object.drug == ingredient:
                out.append(Mention(drug, i, None))
            elif i.object.group in groups and i.object.group in kb.groups:
                out.append(Mention(drug, i, kb.groups[i.object.group]))
    return sorted(out, key=lambda m: (SEVERITY_ORDER.index(m.interaction.severity), m.drug.id))


def _sources(kb: KnowledgeBase, models: list[Any]) -> dict[str, Any]:
    return {sid: kb.sources[sid] for sid in sorted(cited_sources(models)) if sid in kb.sources}


def _rules(kb: KnowledgeBase, mentions: list[Mention]) -> list[Any]:
    codes = sorted({m.interaction.rule for m in mentions})
    return [kb.rules[c] for c in codes if c in kb.rules]


@router.get("/drugs", response_class=HTMLResponse)
def drug_list(request: Request, st: State, user: MaybeUser) -> Response:
    groups = sorted(st.kb.groups.values(), key=lambda g: g.name.lower())
    return page(request, "drugs.html.j2", user=user, rows=drug_rows(st.kb), groups=groups,
                version=st.kb.version)  # fmt: skip


@router.get("/drugs/classes/{group_id}", response_class=HTMLResponse)
def class_page(
    request: Request, st: State, user: MaybeUser, group_id: str = Path(max_length=100)
) -> Response:
    group = st.kb.groups.get(group_id)
    if group is None:
        return page(request, "not_found.html.j2", user=user, status=404,
                    message=f"{group_id!r} is not a drug class known here.")  # fmt: skip
    mentions = _mentions(st.kb, None, (group.id,))
    return page(request, "ingredient.html.j2", user=user, kind="class", name=group.name,
                ingredient=None, groups=[group], mentions=mentions, rules=_rules(st.kb, mentions),
                sources=_sources(st.kb, [group, *(m.interaction for m in mentions)]),
                monographs=set(st.kb.drugs))  # fmt: skip


@router.get("/drugs/{name}", response_class=HTMLResponse)
def drug_page(
    request: Request, st: State, user: MaybeUser, name: str = Path(max_length=100)
) -> Response:
    try:
        ingredient = st.term.resolve(name, field="name").ingredient
    except InputError as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    if not ingredient.has_monograph or ingredient.id not in st.kb.drugs:
        groups = [st.kb.groups[g] for g in ingredient.groups if g in st.kb.groups]
        mentions = _mentions(st.kb, ingredient.id, ingredient.groups)
        return page(request, "ingredient.html.j2", user=user, kind="ingredient",
                    name=ingredient.name, ingredient=ingredient, groups=groups, mentions=mentions,
                    rules=_rules(st.kb, mentions), monographs=set(st.kb.drugs),
                    sources=_sources(st.kb, [*groups, *(m.interaction for m in mentions)]))  # fmt: skip
    drug = monograph_of(st.kb, st.term, name, field="name")
    metabolites = [st.kb.drugs[m.drug] for m in drug.active_metabolites if m.drug in st.kb.drugs]
    cited = sorted(cited_sources([drug, *metabolites]))
    sources = {sid: st.kb.sources[sid] for sid in cited if sid in st.kb.sources}
    interactions = sorted(drug.interactions, key=lambda i: SEVERITY_ORDER.index(i.severity))
    return page(request, "drug.html.j2", user=user, drug=drug, metabolites=metabolites,
                sources=sources, interactions=interactions, groups=st.kb.groups,
                monographs=set(st.kb.drugs))  # fmt: skip
