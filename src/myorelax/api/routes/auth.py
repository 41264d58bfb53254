"""Sign in and out, who am I, and accounts (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from myorelax.api.deps import State, User, bearer_token, client_address, set_session_cookie
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import Body, LoginIn, TokenOut, UserIn
from myorelax.api.security import (
    COOKIE,
    MAX_PASSWORD,
    change_password,
    hash_password,
    reset_password,
    sign_in,
)
from myorelax.diary.records import UserAccount
from myorelax.errors import InputError
from myorelax.store.accounts import SessionInfo

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=TokenOut, responses=problem_responses(401, 422, 429))
def login(body: LoginIn, request: Request, response: Response, st: State) -> TokenOut:
    """Exchange a user name and password for a bearer token (also set as an HttpOnly cookie).
    Repeated failures for a user name or from an address are answered 429 for a while."""
    result = sign_in(st.accounts, body.username, body.password, st.settings.token_hours,
                     guard=st.sign_in_guard, address=client_address(request),
                     user_agent=request.headers.get("user-agent"))  # fmt: skip
    if result is None:
        raise HTTPException(401, "user name or password is wrong")
    account, token, expires = result
    set_session_cookie(response, token, st.settings)
    return TokenOut(access_token=token, expires_at=expires, username=account.username,
                    role=account.role)  # fmt: skip


@router.post("/auth/logout", status_code=204, responses=problem_responses(401))
def logout(request: Request, response: Response, st: State, _user: User) -> Response:
    """End this sign-in: the token stops working at once."""
    # Both credentials the request carries end (a bearer token and a session cookie may differ).
    for token in {bearer_token(request), request.cookies.get(COOKIE)}:
        if token:
            st.accounts.revoke_token(token)
    out = Response(status_code=204)
    out.delete_cookie(COOKIE, path="/")
    return out


@router.get("/auth/me", response_model=UserAccount, responses=problem_responses(401))
def me(user: User) -> UserAccount:
    """The signed-in user."""
    if user.user_id is None:
        raise InputError("no such user", field="token")
    return UserAccount(id=user.user_id, username=user.name, role=user.role)


@router.post("/users", response_model=UserAccount, status_code=201,
             responses=problem_responses(401, 403, 422))  # fmt: skip
def create_user(body: UserIn, st: State, user: User) -> UserAccount:
    """Create an account (admin only); the password is stored as an Argon2id hash."""
    return st.diary.create_user(user, body.username, body.role, hash_password(body.password))


class PasswordChangeIn(Body):
    current_password: str = Field(max_length=MAX_PASSWORD)
    new_password: str = Field(max_length=MAX_PASSWORD, description="at least 12 characters")


class PasswordChangeOut(BaseModel):
    other_sessions_ended: int


class PasswordResetIn(Body):
    new_password: str | None = Field(
        default=None, max_length=MAX_PASSWORD,
        description="the new password (at least 12 characters); omitted: a random one is made "
        "and returned once",
    )  # fmt: skip


class PasswordResetOut(BaseModel):
    user: UserAccount
    password: str | None = Field(description="the generated password (shown once), or null")
    sessions_ended: int


class SessionsOut(BaseModel):
    sessions: list[SessionInfo]


class SessionsEndedOut(BaseModel):
    sessions_ended: int


def _own(user: User) -> int:
    if user.user_id is None:
        raise InputError("no such user", field="token")
    return user.user_id


@router.post("/auth/password", response_model=PasswordChangeOut,
             responses=problem_responses(401, 403, 422, 429))  # fmt: skip
def change_own_password(body: PasswordChangeIn, request: Request, st: State,
                        user: User) -> PasswordChangeOut:  # fmt: skip
    """Change your own password (the current one required; at least 12 characters). Every
    other session of yours ends; the one making this call stays signed in. Wrong current
    passwords count towards the sign-in lock-out (429)."""
    _own(user)
    ended = change_password(st.accounts, user, body.current_password, body.new_password,
                            bearer_token(request), guard=st.sign_in_guard,
                            address=client_address(request))  # fmt: skip
    return PasswordChangeOut(other_sessions_ended=ended)


@router.get("/auth/sessions", response_model=SessionsOut, responses=problem_responses(401))
def list_sessions(request: Request, st: State, user: User) -> SessionsOut:
    """Your live sessions (signed in, not ended, not expired): the one making this call first
    (`current`), then the others newest first."""
    return SessionsOut(sessions=list(st.accounts.sessions(_own(user), bearer_token(request))))


@router.delete("/auth/sessions/others", response_model=SessionsEndedOut,
               responses=problem_responses(401, 403))  # fmt: skip
def end_other_sessions(request: Request, st: State, user: User) -> SessionsEndedOut:
    """End every session of yours except the one making this call."""
    _own(user)
    return SessionsEndedOut(sessions_ended=st.accounts.revoke_other_sessions(
        user, bearer_token(request)))  # fmt: skip


@router.delete("/auth/sessions/{session_id}", status_code=204,
               responses=problem_responses(401, 403, 404))  # fmt: skip
def end_session(session_id: int, st: State, user: User) -> Response:
    """End one of your sessions (404 for one that is not yours or already ended). Ending the
    current one signs this client out."""
    _own(user)
    st.accounts.revoke_session(user, session_id)
    return Response(status_code=204)


@router.post("/users/{username}/password", response_model=PasswordResetOut,
             responses=problem_responses(401, 403, 404, 422))  # fmt: skip
def reset_user_password(username: Annotated[str, Path(min_length=1, max_length=80)], st: State,
                        user: User,
                        body: PasswordResetIn | None = None) -> PasswordResetOut:  # fmt: skip
    """Set another user's password (admin only): the one given, or a random one returned once.
    Every session of that user ends."""
    account, generated, ended = reset_password(st.accounts, user, username,
                                               body.new_password if body else None)  # fmt: skip
    return PasswordResetOut(user=account, password=generated, sessions_ended=ended)


class UsersOut(BaseModel):
    users: list[UserAccount]


@router.get("/users", response_model=UsersOut, responses=problem_responses(401, 403))
def list_users(st: State, user: User) -> UsersOut:
    """Every account (admin only)."""
    if user.role != "admin":
        raise HTTPException(403, f"a {user.role} may not list accounts")
    return UsersOut(users=list(st.accounts.users()))
