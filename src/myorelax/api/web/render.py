"""Rendering web pages: one Jinja2 environment over the package's templates, a strict Content
Security Policy (every script and style is a local file; no inline code), and the signed-in user
passed to every page."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from myorelax import __version__
from myorelax.diary.records import Actor
from myorelax.safety.alert_text import alert_parts
from myorelax.units import plain_number

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SEVERITY_LABEL = {
    "contraindicated": "Contraindicated",
    "major": "Major",
    "moderate": "Moderate",
    "minor": "Minor",
    "info": "Information",
}

_STRONG = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def inline_markdown(text: str) -> Markup:
    """The two Markdown marks alert texts use (**bold**, `code`), on escaped text."""
    safe = str(escape(text))
    safe = _STRONG.sub(r"<strong>\1</strong>", safe)
    return Markup(_CODE.sub(r"<code>\1</code>", safe))


_env = Environment(
    loader=PackageLoader("myorelax.api.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _scale(low: int, high: int) -> list[tuple[str, str]]:
    """Options of a whole-number rating scale."""
    return [(str(i), str(i)) for i in range(low, high + 1)]


def _pairs(
    values: list[str], labels: list[str] | tuple[str, ...] | None = None
) -> list[tuple[str, str]]:
    """Options from values (shown as themselves, or with the given labels)."""
    return list(zip(values, labels if labels is not None else values, strict=True))


def _num(value: float | None, digits: int = 4) -> str:
    """A number as people write it: never "3.5e+04" (35,000), at most `digits` figures."""
    return "" if value is None else plain_number(float(value), digits)


_env.filters["md"] = inline_markdown
_env.filters["num"] = _num
_env.globals.update(
    version=__version__,
    severity_label=SEVERITY_LABEL,
    scale=_scale,
    pairs=_pairs,
    alert_parts=alert_parts,
)


def page(
    request: Request, template: str, *, user: Actor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A rendered page with the security headers."""
    html = _env.get_template(template).render(request_path=request.url.path, user=user, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
