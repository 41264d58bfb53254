"""The start of the web UI: sign in and out, and `/`, which sends each user to their page (a
clinician to the workspace, a patient to their diary); static files; the sign-in redirect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from myorelax.api.deps import State, bearer_token, client_address, set_session_cookie
from myorelax.api.security import COOKIE, sign_in
from myorelax.api.web.render import page
from myorelax.api.web.session import (
    MaybeUser,
    SameOrigin,
    SignInRequiredError,
    login_url,
    safe_next,
)
from myorelax.errors import TooManyAttemptsError

router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


async def sign_in_redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


@router.get("/", response_class=HTMLResponse)
def index(user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/diary" if user.role == "patient" else "/workspace", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: MaybeUser, next: str | None = None) -> Response:
    return page(request, "login.html.j2", user=user, next=safe_next(next), username="",
                error=None)  # fmt: skip


@router.post("/login", response_class=HTMLResponse, dependencies=[SameOrigin])
def login(
    request: Request,
    st: State,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    status = 422
    if not username.strip():
        error = ("username", "Enter your user name.")
    elif not password:
        error = ("password", "Enter your password.")
    else:
        try:
            result = sign_in(st.accounts, username.strip(), password, st.settings.token_hours,
                             guard=st.sign_in_guard, address=client_address(request),
                             user_agent=request.headers.get("user-agent"))  # fmt: skip
        except TooManyAttemptsError as exc:
            return page(request, "login.html.j2", user=None, status=429, next=safe_next(next),
                        username=username, error=("password", f"Too many attempts: try again "
                                                  f"in {exc.retry_after_s} seconds."))  # fmt: skip
        if result is not None:
            _account, token, _expires = result
            out = RedirectResponse(safe_next(next), status_code=303)
            set_session_cookie(out, token, st.settings)
            return out
        error, status = ("password", "The user name or password is wrong."), 401
    return page(request, "login.html.j2", user=None, status=status, next=safe_next(next),
                username=username, error=error)  # fmt: skip


@router.post("/logout", dependencies=[SameOrigin])
def logout(request: Request, st: State) -> Response:
    for token in {request.cookies.get(COOKIE), bearer_token(request)}:
        if token:
            st.accounts.revoke_token(token)
    out = RedirectResponse("/login", status_code=303)
    out.delete_cookie(COOKIE, path="/")
    return out
