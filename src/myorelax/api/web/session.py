"""Who is using a web page: the session cookie set at sign-in. A page that needs a user sends
anyone else to the sign-in page (and back afterwards); a form post from another site is refused
(the cookie is SameSite=Strict, and the Origin header is checked as well)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from myorelax.api.deps import State, actor_for_token, same_origin
from myorelax.api.security import COOKIE
from myorelax.diary.records import Actor
from myorelax.errors import AuthenticationError


class SignInRequiredError(AuthenticationError):
    """Raised by a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(f"sign-in required for {next_path}")
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Only a local path may follow sign-in (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def optional_user(request: Request, st: State) -> Actor | None:
    return actor_for_token(st, request.cookies.get(COOKIE))


def web_user(request: Request, st: State) -> Actor:
    actor = optional_user(request, st)
    if actor is None:
        raise SignInRequiredError(request.url.path)
    return actor


MaybeUser = Annotated[Actor | None, Depends(optional_user)]
WebUser = Annotated[Actor, Depends(web_user)]
SameOrigin = Depends(same_origin)
