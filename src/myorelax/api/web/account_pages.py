"""Your account: change your password, see your live sessions and end them; and, for an
administrator, every account with a password reset. Every change is audited by the store and
every form post is Origin-checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from myorelax.api.deps import State, client_address
from myorelax.api.security import COOKIE, MIN_PASSWORD, change_password, reset_password
from myorelax.api.web.render import page
from myorelax.api.web.session import SameOrigin, WebUser
from myorelax.diary.records import Actor
from myorelax.errors import MyorelaxError, NotFoundError, TooManyAttemptsError

router = APIRouter(include_in_schema=False)

LABELS = {
    "current_password": "Your current password",
    "new_password": "The new password",
    "confirm_password": "The repeated password",
}
Secret = Annotated[str, Form(max_length=200)]


def _sentence(field: str, message: str) -> str:
    label = LABELS.get(field)
    text = f"{label} {message}" if label else message[:1].upper() + message[1:]
    return text if text.endswith(".") else text + "."


def _account_page(request: Request, user: Actor, errors: dict[str, str] | None = None,
                  status: int = 200, changed: int | None = None) -> Response:  # fmt: skip
    return page(request, "account.html.j2", user=user, status=status, errors=errors or {},
                min_password=MIN_PASSWORD, changed=changed)  # fmt: skip


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: WebUser, changed: int | None = None) -> Response:
    return _account_page(request, user, changed=changed)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[SameOrigin])
def account_password(
    request: Request,
    st: State,
    user: WebUser,
    current_password: Secret = "",
    new_password: Secret = "",
    confirm_password: Secret = "",
) -> Response:
    if new_password and confirm_password != new_password:
        errors = {"confirm_password": "The repeated password does not match the new one."}
        return _account_page(request, user, errors, 422)
    try:
        ended = change_password(st.accounts, user, current_password, new_password,
                                request.cookies.get(COOKIE), guard=st.sign_in_guard,
                                address=client_address(request))  # fmt: skip
    except TooManyAttemptsError as exc:
        errors = {"current_password": f"Too many wrong passwords: try again in "
                                      f"{exc.retry_after_s} seconds."}  # fmt: skip
        return _account_page(request, user, errors, 429)
    except MyorelaxError as exc:
        field = exc.field or "new_password"
        return _account_page(request, user, {field: _sentence(field, exc.message)}, 422)
    return RedirectResponse(f"/account?changed={ended}", status_code=303)


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip


def client_label(user_agent: str | None) -> str:
    """A short name for the client that signed in ("Chrome on Android"), from its user agent."""
    if not user_agent:
        return "Unknown client"
    if "Mozilla/" not in user_agent:  # a program using the REST API
        return user_agent.split(" ")[0][:60]
    browser = next((name for key, name in _BROWSERS if key in user_agent), "A browser")
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if "HeadlessChrome" in user_agent:
        browser = "Headless Chrome"
    return f"{browser} on {system}" if system else browser


def _sessions_page(request: Request, st: State, user: Actor, *, ended: int | None = None,
                   status: int = 200, error: str | None = None) -> Response:  # fmt: skip
    sessions = st.accounts.sessions(user.user_id or -1, request.cookies.get(COOKIE))
    return page(request, "sessions.html.j2", user=user, status=status, sessions=sessions,
                ended=ended, error=error, client_label=client_label)  # fmt: skip


@router.get("/account/sessions", response_class=HTMLResponse)
def sessions(request: Request, st: State, user: WebUser, ended: int | None = None) -> Response:
    return _sessions_page(request, st, user, ended=ended)


@router.post("/account/sessions/others", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
def end_others(request: Request, st: State, user: WebUser) -> Response:
    ended = st.accounts.revoke_other_sessions(user, request.cookies.get(COOKIE))
    return RedirectResponse(f"/account/sessions?ended={ended}", status_code=303)


@router.post("/account/sessions/{session_id}/end", response_class=HTMLResponse,
             dependencies=[SameOrigin])  # fmt: skip
def end_one(request: Request, st: State, user: WebUser, session_id: int) -> Response:
    try:
        st.accounts.revoke_session(user, session_id)
    except NotFoundError:
        return _sessions_page(request, st, user, status=404,
                              error="That session had already ended.")  # fmt: skip
    if st.accounts.user_for_token(request.cookies.get(COOKIE) or "") is None:
        out = RedirectResponse("/login", status_code=303)  # this browser's own session ended
        out.delete_cookie(COOKIE, path="/")
        return out
    return RedirectResponse("/account/sessions?ended=1", status_code=303)


def _users_page(request: Request, st: State, user: Actor, *, status: int = 200,
                errors: dict[str, str] | None = None, done: dict[str, object] | None = None,
                target: str = "") -> Response:  # fmt: skip
    if user.role != "admin":
        return page(request, "users.html.j2", user=user, status=403, users=(), errors={},
                    done=None, target="", forbidden=True, min_password=MIN_PASSWORD)  # fmt: skip
    return page(request, "users.html.j2", user=user, status=status, users=st.accounts.users(),
                errors=errors or {}, done=done, target=target, forbidden=False,
                min_password=MIN_PASSWORD)  # fmt: skip


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, st: State, user: WebUser) -> Response:
    return _users_page(request, st, user)


@router.post("/admin/users/password", response_class=HTMLResponse, dependencies=[SameOrigin])
def reset(
    request: Request,
    st: State,
    user: WebUser,
    username: Annotated[str, Form(max_length=80)] = "",
    new_password: Secret = "",
) -> Response:
    if user.role != "admin":
        return _users_page(request, st, user)
    if not username.strip():
        return _users_page(request, st, user, status=422, errors={
            "username": "Choose the account whose password is reset."})  # fmt: skip
    try:
        account, generated, ended = reset_password(st.accounts, user, username,
                                                   new_password or None)  # fmt: skip
    except MyorelaxError as exc:
        field = "username" if exc.field == "username" else "new_password"
        return _users_page(request, st, user, status=404 if field == "username" else 422,
                           errors={field: _sentence(field, exc.message)},
                           target=username)  # fmt: skip
    done: dict[str, object] = {"username": account.username, "password": generated, "ended": ended}
    return _users_page(request, st, user, done=done, target=account.username)
