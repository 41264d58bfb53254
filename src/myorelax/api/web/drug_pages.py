"""Drug pages: every monograph as a readable page with its sources (public: no patient data)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from myorelax.api.deps import State
from myorelax.api.web.render import page
from myorelax.api.web.session import MaybeUser
from myorelax.errors import InputError
from myorelax.knowledge.schema import SEVERITY_ORDER
from myorelax.reports.views import cited_sources, drug_rows, monograph_of

router = APIRouter(include_in_schema=False)


@router.get("/drugs", response_class=HTMLResponse)
def drug_list(request: Request, st: State, user: MaybeUser) -> Response:
    return page(request, "drugs.html.j2", user=user, rows=drug_rows(st.kb),
                version=st.kb.version)  # fmt: skip


@router.get("/drugs/{name}", response_class=HTMLResponse)
def drug_page(
    request: Request, st: State, user: MaybeUser, name: str = Path(max_length=100)
) -> Response:
    try:
        drug = monograph_of(st.kb, st.term, name, field="name")
    except InputError as exc:
        return page(request, "not_found.html.j2", user=user, status=404, message=exc.message)
    metabolites = [st.kb.drugs[m.drug] for m in drug.active_metabolites if m.drug in st.kb.drugs]
    cited = sorted(cited_sources([drug, *metabolites]))
    sources = {sid: st.kb.sources[sid] for sid in cited if sid in st.kb.sources}
    interactions = sorted(drug.interactions, key=lambda i: SEVERITY_ORDER.index(i.severity))
    return page(request, "drug.html.j2", user=user, drug=drug, metabolites=metabolites,
                sources=sources, interactions=interactions)  # fmt: skip
