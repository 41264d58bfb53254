"""What routes need: the app's state, the signed-in user, and role checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from myorelax.api.cds_auth import CdsVerifier
from myorelax.api.security import COOKIE, actor_of
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


def state(request: Request) -> AppState:
    return request.app.state.myorelax  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(state)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def current_actor(request: Request, st: State) -> Actor:
    """The signed-in user; a bare 401 without a live token."""
    token = bearer_token(request)
    user = st.accounts.user_for_token(token) if token else None
    if user is None:
        raise HTTPException(401, "sign in first: POST /api/v1/auth/login")
    return actor_of(user)


User = Annotated[Actor, Depends(current_actor)]
