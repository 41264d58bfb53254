"""Sign in and out, who am I, and accounts (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from myorelax.api.deps import State, User, bearer_token, client_address, set_session_cookie
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import LoginIn, TokenOut, UserIn
from myorelax.api.security import COOKIE, hash_password, sign_in
from myorelax.diary.records import UserAccount
from myorelax.errors import InputError

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=TokenOut, responses=problem_responses(401, 422, 429))
def login(body: LoginIn, request: Request, response: Response, st: State) -> TokenOut:
    """Exchange a user name and password for a bearer token (also set as an HttpOnly cookie).
    Repeated failures for a user name or from an address are answered 429 for a while."""
    result = sign_in(st.accounts, body.username, body.password, st.settings.token_hours,
                     guard=st.sign_in_guard, address=client_address(request))  # fmt: skip
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
