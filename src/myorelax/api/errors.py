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
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from myorelax.errors import (
    AccessError,
    InputError,
    KnowledgeError,
    MyorelaxError,
    NotFoundError,
    TooManyAttemptsError,
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
    if isinstance(exc, TooManyAttemptsError):
        out = problem_response(429, "too-many-attempts", "Too many attempts", exc.message,
                               field=exc.field)  # fmt: skip
        out.headers["Retry-After"] = str(exc.retry_after_s)
        return out
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
    if first.get("type") == "json_invalid":
        # Not JSON at all: malformed (400), not invalid content (422).
        return problem_response(400, "malformed-json", "Malformed request",
                                f"the body is not JSON: {first.get('msg', '')}", field="body")  # fmt: skip
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


async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    """A number or date beyond what the code or the database can hold (e.g. an id over 2**31
    on PostgreSQL, a date whose day after is past year 9999): bad input, not a failure. The
    database's message, which quotes the values, is not logged."""
    log.warning("value out of range: %s", exc.__class__.__name__)
    return problem_response(422, "out-of-range", "Invalid input",
                            "a number or date is outside the range this service handles")  # fmt: skip


async def _internal(_request: Request, exc: Exception) -> JSONResponse:
    log.error("internal failure: %s", exc.__class__.__name__, exc_info=exc)
    return problem_response(500, "internal", "Internal error", "an internal error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MyorelaxError, _myorelax)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _internal)


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    text = {
        400: "Malformed request",
        401: "Not authenticated",
        403: "Not allowed",
        404: "Not found",
        413: "Request too large",
        429: "Too many attempts (see Retry-After)",
        422: "Invalid input (the field is named)",
    }
    wanted = sorted({400, *codes})  # 400: a body that is not JSON at all
    return {
        c: {"model": Problem, "description": text.get(c, "Problem"), "content": {PROBLEM: {}}}
        for c in wanted
    }
