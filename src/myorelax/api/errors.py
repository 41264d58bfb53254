"""Errors as RFC 9457 problem details (`application/problem+json`).

`MyorelaxError` maps to a status (bad input 400 or 422, unknown record 404, access 403); request
validation names the body field; anything unexpected is a 500 with no internals in the body.
Nothing below `api/` raises HTTP errors.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from myorelax.errors import (
    AccessError,
    InputError,
    KnowledgeError,
    MyorelaxError,
    NotFoundError,
    UnknownDrugError,
)

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://myorelax.dev/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details, with the field the problem is about."""

    type: str = Field(description="URI naming the kind of problem")
    title: str
    status: int
    detail: str
    field: str | None = Field(default=None, description="the input field the problem is about")
    suggestions: list[str] | None = None


def problem_response(
    status: int, kind: str, title: str, detail: str, *, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_response(exc: MyorelaxError) -> JSONResponse:
    if isinstance(exc, AccessError):
        return problem_response(403, "forbidden", "Not allowed", exc.message, field=exc.field)
    if isinstance(exc, NotFoundError):
        return problem_response(404, "not-found", "Not found", exc.message, field=exc.field)
    if isinstance(exc, UnknownDrugError):
        return problem_response(
            422,
            "unknown-drug",
            "Unknown drug",
            exc.message,
            field=exc.field,
            suggestions=list(exc.suggestions) or None,
        )
    if isinstance(exc, InputError):
        return problem_response(422, "invalid-input", "Invalid input", exc.message, field=exc.field)
    if isinstance(exc, KnowledgeError):
        log.error("knowledge base invalid: %s", exc)
        return problem_response(500, "internal", "Internal error", "the knowledge base is invalid")
    return problem_response(500, "internal", "Internal error", "an internal error occurred")


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(x) for x in loc if x not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def _myorelax(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MyorelaxError)
    return error_response(exc)


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem_response(
        422, "invalid-input", "Invalid input", f"{msg}{more}", field=_loc(tuple(first["loc"]))
    )


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {401: "Not authenticated", 404: "Not found", 405: "Method not allowed"}
    title = titles.get(exc.status_code, "Request refused")
    kind = title.lower().replace(" ", "-")
    return problem_response(exc.status_code, kind, title, str(exc.detail))


async def _internal(_request: Request, exc: Exception) -> JSONResponse:
    log.error("internal failure: %s", exc.__class__.__name__, exc_info=exc)
    return problem_response(500, "internal", "Internal error", "an internal error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MyorelaxError, _myorelax)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    text = {
        400: "Malformed request",
        401: "Not authenticated",
        403: "Not allowed",
        404: "Not found",
        413: "Request too large",
        422: "Invalid input (the field is named)",
    }
    wanted = sorted({400, *codes})  # 400: a body that is not JSON at all
    return {
        c: {"model": Problem, "description": text.get(c, "Problem"), "content": {PROBLEM: {}}}
        for c in wanted
    }
