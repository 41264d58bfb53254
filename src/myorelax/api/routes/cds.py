"""CDS Hooks 2.0 endpoints: discovery, the services, and feedback.

Every service call and feedback post must carry a JWT from a trusted EHR (see `cds_auth`);
otherwise the answer is a bare 401. A request that does not follow the specification is read as
far as it can be, with a warning in the log: the EHR gets cards, an info card saying the check
could not run, a 412 when required FHIR data cannot be had, or a 4xx naming the problem, and
never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from myorelax.api.cds_auth import CdsAuthError, CdsClient
from myorelax.api.compute import compute
from myorelax.api.deps import State
from myorelax.api.errors import problem_response, problem_responses
from myorelax.cds_hooks.fetching import (
    FetchPolicy,
    PreconditionFailedError,
    gather,
    unreadable_version,
)
from myorelax.cds_hooks.mapping import info_card
from myorelax.cds_hooks.models import (
    CdsResponse,
    Discovery,
    FeedbackRequest,
    HookRequest,
)
from myorelax.cds_hooks.services import (
    HOOKS_OF,
    ORDER_SERVICE,
    discovery,
    review_orders,
    review_patient,
)
from myorelax.errors import MyorelaxError
from myorelax.store.feedback import CardFeedback

log = logging.getLogger(__name__)
router = APIRouter(tags=["cds-hooks"])
SOURCE = "myorelax (muscle relaxant safety)"
EXAMPLES: dict[str, Any] = {
    "order-select": {"value": HookRequest.model_json_schema().get("examples", [{}])[0]}
}


class CdsUnauthorized(HTTPException):
    """A CDS client without a trusted JWT: answered with a bare 401."""


async def cds_client(request: Request, st: State) -> CdsClient:
    """The calling EHR, from its JWT; a bare 401 when the token is missing or not trusted."""
    header = request.headers.get("authorization")
    if header is None and st.settings.cds_allow_unsigned:
        return CdsClient(iss="unsigned (development)")
    path = request.url.path
    audiences = [st.settings.public_base + path]
    if path.endswith("/feedback"):
        audiences.append(st.settings.public_base + path.removesuffix("/feedback"))
    try:
        # Off the event loop: the jti is recorded in the database, and a JWKS URL may be fetched.
        return await run_in_threadpool(st.verifier.verify, header, audiences)
    except CdsAuthError as exc:
        log.warning("CDS request refused: %s", exc)
        raise CdsUnauthorized(401) from None


@router.get("/cds-services", response_model=Discovery, response_model_exclude_none=True)
def cds_discovery() -> Discovery:
    """CDS Hooks discovery: the services, their hooks and prefetch templates."""
    return discovery()


@router.post(
    "/cds-services/{service_id}",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    responses={
        401: {"description": "No trusted JWT (empty body)"},
        412: {"description": "Required FHIR data is neither in prefetch nor obtainable"},
        **problem_responses(400, 404, 413, 422),
    },
)
async def cds_service(
    service_id: str,
    st: State,
    payload: Annotated[dict[str, Any], Body(openapi_examples=EXAMPLES)],
    client: Annotated[CdsClient, Depends(cds_client)],
) -> Any:
    """Answer a hook call with cards."""
    started = time.monotonic()
    hooks = HOOKS_OF.get(service_id)
    if hooks is None:
        return problem_response(404, "not-found", "Not found", f"no CDS service {service_id!r}",
                                field="service_id")  # fmt: skip
    try:
        request = HookRequest.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "body"
        log.warning("non-conformant CDS request: %s: %s", where, err["msg"])
        return problem_response(400, "invalid-cds-request", "Not a CDS Hooks request",
                                str(err["msg"]), field=where)  # fmt: skip
    if request.hook not in hooks:
        log.warning("service %s called with hook %r", service_id, request.hook)
        return problem_response(
            400, "wrong-hook", "Hook not served here",
            f"{service_id} answers {', '.join(hooks)}, not {request.hook!r}", field="hook",
        )  # fmt: skip
    missing = request.missing_context()
    if missing is not None:
        log.warning("CDS %s request without context.%s", request.hook, missing)
        return problem_response(400, "invalid-cds-request", "Not a CDS Hooks request",
                                f"context.{missing} is required for {request.hook}",
                                field=f"context.{missing}")  # fmt: skip
    version_problem = unreadable_version(request)
    if version_problem:
        log.warning("CDS request in an unread FHIR version: %s", version_problem)
        return problem_response(400, "fhir-version", "FHIR version not read", version_problem,
                                field="context.draftOrders")  # fmt: skip
    if not isinstance(request.context.get("patientId"), str):
        log.warning("CDS request whose context.patientId is not a string")
    try:
        policy = FetchPolicy(allowed_origins=client.fhir_servers,
                             private_ok=st.settings.cds_fhir_private_ok)  # fmt: skip
        fetch_s = min(st.settings.cds_fetch_timeout_s, st.settings.cds_time_budget_s)
        data = await gather(request, timeout_s=fetch_s, policy=policy)
    except PreconditionFailedError as exc:
        return problem_response(412, "precondition-failed", "FHIR data not available", str(exc))
    review = review_orders if service_id == ORDER_SERVICE else review_patient
    instance = request.hookInstance
    try:
        # The review is CPU work (checks, simulations, plans): off the event loop, so that one
        # slow request does not stall the others or the health check.
        remaining = st.settings.cds_time_budget_s - (time.monotonic() - started)
        cards = await asyncio.wait_for(
            compute(st, review, data, kb=st.kb, today=date.today(), source_label=SOURCE,
                    base_url=st.settings.public_base),
            timeout=max(remaining, 0.001),
        )  # fmt: skip
    except TimeoutError:
        log.warning("CDS review did not finish within %.1f s", st.settings.cds_time_budget_s)
        cards = [info_card(instance, "not-checked:time", "myorelax could not finish in time",
                           f"The check did not finish within {st.settings.cds_time_budget_s:g} s "
                           "and nothing is reported: check this order by hand.", SOURCE)]  # fmt: skip
    except MyorelaxError as exc:
        log.warning("CDS request could not be checked: %s", exc.__class__.__name__)
        cards = [info_card(instance, "not-checked", "myorelax could not check this request",
                           f"The check did not run: {exc}. Nothing was assumed.", SOURCE)]  # fmt: skip
    except Exception:
        log.exception("CDS review failed (internal)")
        cards = [info_card(instance, "failed", "myorelax could not check this request",
                           "An internal error stopped the check; check this order by hand.",
                           SOURCE)]  # fmt: skip
    log.info("CDS %s %s: %d card(s) for %s", service_id, request.hook, len(cards), client.iss)
    # The cards are already validated models: serialise them once (returning a Response skips
    # FastAPI's second validation of the response model, which cost about a third of the time).
    return JSONResponse(CdsResponse(cards=cards).model_dump(mode="json", exclude_none=True))


@router.post(
    "/cds-services/{service_id}/feedback",
    responses={
        401: {"description": "No trusted JWT (empty body)"},
        **problem_responses(404, 413, 422),
    },
)
async def cds_feedback(
    service_id: str,
    body: FeedbackRequest,
    st: State,
    client: Annotated[CdsClient, Depends(cds_client)],
) -> dict[str, int]:
    """Store what was done with each card (accepted, or overridden with a reason). Sending the
    same feedback again stores nothing new."""
    if service_id not in HOOKS_OF:
        raise HTTPException(404, f"no CDS service {service_id!r}")
    items = [
        CardFeedback(
            card_uuid=f.card,
            outcome=f.outcome,
            outcome_timestamp=f.outcomeTimestamp,
            accepted_suggestions=tuple(s.id for s in f.acceptedSuggestions),
            override_code=f.overrideReason.reason.code
            if f.overrideReason and f.overrideReason.reason else None,
            override_system=f.overrideReason.reason.system
            if f.overrideReason and f.overrideReason.reason else None,
            override_display=f.overrideReason.reason.display
            if f.overrideReason and f.overrideReason.reason else None,
            user_comment=f.overrideReason.userComment if f.overrideReason else None,
        )
        for f in body.feedback
    ]  # fmt: skip
    stored, known = await run_in_threadpool(st.feedback.record, service_id, items, client.iss)
    return {"stored": stored, "already_known": known}


def unauthorized_handler(_request: Request, _exc: Exception) -> Response:
    """The bare 401 for CDS clients: no body, no reason."""
    return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
