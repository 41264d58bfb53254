"""What routes need: the app's state, the signed-in user, and role checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from anyio import CapacityLimiter
from fastapi import Depends, Request, Response
from starlette.exceptions import HTTPException

from myorelax.api.cds_auth import CdsVerifier
from myorelax.api.security import COOKIE, SignInGuard, actor_of
from myorelax.api.settings import Settings
from myorelax.diary.records import Actor
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import Terminology
from myorelax.store.accounts import AccountStore
from myorelax.store.db import Database
from myorelax.store.feedback import FeedbackStore
from myorelax.store.repositories import DiaryStore


@dataclass
class AppState:
    settings: Settings
    kb: KnowledgeBase
    term: Terminology
    db: Database
    diary: DiaryStore
    accounts: AccountStore
    feedback: FeedbackStore
    verifier: CdsVerifier
    sign_in_guard: SignInGuard
    # Set when the app starts (it belongs to the event loop): how many CPU-bound computations
    # run at once (`api.compute`); None: only the thread pool's limit.
    cpu_limiter: CapacityLimiter | None = None


def state(request: Request) -> AppState:
    return request.app.state.myorelax  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(state)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def client_address(request: Request) -> str | None:
    """The client's address. Behind a reverse proxy, uvicorn has already replaced it with the one
    in `X-Forwarded-For`, but only when the proxy is in `trusted_proxies` (see `serve`)."""
    return request.client.host if request.client else None


def actor_for_token(st: AppState, token: str | None) -> Actor | None:
    """The user a live token belongs to, or None."""
    user = st.accounts.user_for_token(token) if token else None
    return None if user is None else actor_of(user)


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The sign-in token as an HttpOnly, SameSite=Strict cookie (Secure over https)."""
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
        max_age=int(settings.token_hours * 3600),
        path="/",
    )


def same_origin(request: Request) -> None:
    """A form post (or a cookie-authenticated API write) must come from this site's own pages:
    its Origin must be this site (as the request's Host or the configured public URL). A missing
    Origin is accepted only with the browser's `Sec-Fetch-Site: same-origin`; `null` never."""
    origin = request.headers.get("origin")
    if origin is None:
        if request.headers.get("sec-fetch-site") == "same-origin":
            return
        raise HTTPException(403, "the request does not say which site it comes from (Origin)")
    parts = urlsplit(origin)
    public = urlsplit(request.app.state.myorelax.settings.public_url)
    if origin == "null" or not (
        parts.netloc == request.headers.get("host", "")
        or (parts.scheme, parts.netloc) == (public.scheme, public.netloc)
    ):
        raise HTTPException(403, "form posted from another site")


def current_actor(request: Request, st: State) -> Actor:
    """The signed-in user; a bare 401 without a live token. A write authenticated by the session
    cookie alone (no bearer header) must come from this site's pages (Origin checked)."""
    actor = actor_for_token(st, bearer_token(request))
    if actor is None:
        raise HTTPException(401, "sign in first: POST /api/v1/auth/login")
    by_cookie = not (request.headers.get("authorization") or "").lower().startswith("bearer ")
    if by_cookie and request.method not in ("GET", "HEAD", "OPTIONS"):
        same_origin(request)
    return actor


User = Annotated[Actor, Depends(current_actor)]
