"""ASGI middleware: request size limit, and an access log without patient data.

The log line holds the method, the route's template (`/api/v1/patients/{patient_id}`, not the
id), the status and the time taken: no query string, no body, no header, no token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from myorelax.api.errors import problem_response

log = logging.getLogger("myorelax.access")


class BodyLimit:
    """Read the request body before the app does: refuse it with 413 above `max_bytes` (by
    Content-Length, or by counting a chunked body), and with 422 when a JSON or form body, or the
    query string, carries a NUL character, which no text field may hold (PostgreSQL refuses it,
    and it was a 500 that wrote the statement's parameters to the log)."""

    # The workspace form carries a file upload beside what was typed: it may be this many times
    # the limit, so that the page itself can say the file is too large and keep the rest.
    UPLOAD_PAGES = ("/workspace",)
    UPLOAD_FACTOR = 4

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        upload = scope.get("path") in self.UPLOAD_PAGES
        limit = self.max_bytes * (self.UPLOAD_FACTOR if upload else 1)
        too_big = f"the body is larger than {limit} bytes"
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, 413, "request-too-large", "Request too large",
                          too_big, page=upload)  # fmt: skip
            return
        if _has_nul(scope.get("query_string", b""), form=True):
            await _refuse(scope, receive, send, 422, "invalid-input", "Invalid input", NUL,
                          field="query")  # fmt: skip
            return
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _refuse(scope, receive, send, 413, "request-too-large",
                              "Request too large", too_big, page=upload)  # fmt: skip
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        checked = kind.endswith(b"json") or kind == b"application/x-www-form-urlencoded"
        if checked and _has_nul(body, form=not kind.endswith(b"json")):
            await _refuse(scope, receive, send, 422, "invalid-input", "Invalid input", NUL,
                          field="body")  # fmt: skip
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


NUL = "text must not contain a NUL character (U+0000)"


def _has_nul(data: bytes, *, form: bool) -> bool:
    if b"\x00" in data or b"\\u0000" in data:
        return True
    return form and b"%00" in data


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, kind: str,
                  title: str, detail: str, field: str | None = None,
                  page: bool = False) -> None:  # fmt: skip
    if page:  # a web page: a page to go back from, not JSON
        from starlette.responses import HTMLResponse

        html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
                f"<h1>{title}</h1><p>The form with its file is too large ({detail}). Go back: "
                "what you typed is still there; choose a smaller file.</p></html>")  # fmt: skip
        await HTMLResponse(html, status_code=status)(scope, receive, send)
        return
    response = problem_response(status, kind, title, detail, field=field)
    await response(scope, receive, send)


class NoStore:
    """`Cache-Control: no-store` on every answer but static files: patient data must not be kept
    by browsers or shared caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def add_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_header)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 0}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "(unmatched)"
            log.info(
                "%s %s %s %.1f ms",
                scope.get("method"),
                path,
                status["code"],
                (time.perf_counter() - start) * 1000,
            )
