"""The knowledge base: the drug list and each monograph with its sources (no patient data, so
no sign-in needed)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from myorelax.api.deps import State
from myorelax.api.errors import problem_responses
from myorelax.clinical.sig_suggest import suggest_sig
from myorelax.reports.views import drug_list_view, drug_show_view

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["knowledge"])


@router.get("/health")
async def health(st: State) -> dict[str, str]:
    """The service is up; the knowledge base version it serves. Answered on the event loop, so
    it stays quick while the thread pool is busy with checks."""
    return {"status": "ok", "knowledge_version": st.kb.version}


@router.get("/ready", responses={503: {"description": "The database does not answer"}})
async def ready(st: State) -> Response:
    """Ready for traffic: the knowledge base is loaded and the database answers (within 2 s).
    The database is asked from its own thread, not the pool that busy requests use."""
    try:
        await asyncio.wait_for(asyncio.to_thread(st.db.ping), timeout=2.0)
    except Exception as exc:  # any failure to answer means not ready
        log.warning("not ready: the database did not answer (%s)", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "reason": "database"}, status_code=503)
    return JSONResponse({"status": "ready", "knowledge_version": st.kb.version})


@router.get("/drugs")
def list_drugs(st: State) -> dict[str, Any]:
    """Every drug: name, classes, RxCUI, DEA schedule, brands, routes, strengths (as
    `myorelax drugs list --json`)."""
    return drug_list_view(st.kb)


@router.get("/drugs/{name}", responses=problem_responses(404, 422))
def show_drug(
    st: State,
    name: str = Path(min_length=1, max_length=100, examples=["soma"]),
) -> dict[str, Any]:
    """One monograph by generic, brand, salt or misspelt name or RxCUI, with its active
    metabolites and every cited source (as `myorelax drugs show NAME --json`)."""
    return drug_show_view(st.kb, st.term, name, field="name")


@router.get("/suggest", responses=problem_responses(422))
def suggest(
    st: State,
    q: Annotated[str, Query(max_length=300, description="the order typed so far")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict[str, list[str]]:
    """Completions of an order being typed as SIG text: drug names and brands, then the
    strengths the knowledge base lists, then frequencies (each full suggestion parses)."""
    return {"suggestions": suggest_sig(st.kb, st.term, q, limit=limit)}
