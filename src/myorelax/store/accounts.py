"""Accounts and sign-in tokens: users found by name, tokens stored only as SHA-256 digests.

Password hashing is the caller's (the service's) job; this module keeps the hash it is given.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from myorelax.diary.records import UserAccount
from myorelax.store.db import Database
from myorelax.store.tables import SessionTokenRow, UserRow


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class AccountStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def count_users(self) -> int:
        with self.db.unit_of_work() as s:
            return int(s.scalar(select(func.count(UserRow.id))) or 0)

    def credentials(self, username: str) -> tuple[UserAccount, str | None] | None:
        """The account and its password hash, or None when there is no such user."""
        with self.db.unit_of_work() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
            if row is None:
                return None
            account = UserAccount(id=row.id, username=row.username, role=row.role)
            return account, row.password_hash

    def issue_token(self, user_id: int, token: str, expires_at: datetime) -> None:
        with self.db.unit_of_work() as s:
            s.add(
                SessionTokenRow(
                    user_id=user_id,
                    token_sha256=token_digest(token),
                    created_at=datetime.now(UTC),
                    expires_at=expires_at,
                    revoked=False,
                )
            )

    def user_for_token(self, token: str) -> UserAccount | None:
        """The user a live, unrevoked token belongs to."""
        with self.db.unit_of_work() as s:
            row = s.execute(
                select(SessionTokenRow, UserRow)
                .join(UserRow, UserRow.id == SessionTokenRow.user_id)
                .where(SessionTokenRow.token_sha256 == token_digest(token))
            ).first()
            if row is None:
                return None
            tok, user = row
            if tok.revoked or _aware(tok.expires_at) <= datetime.now(UTC):
                return None
            return UserAccount(id=user.id, username=user.username, role=user.role)

    def revoke_token(self, token: str) -> bool:
        with self.db.unit_of_work() as s:
            done = s.execute(
                update(SessionTokenRow)
                .where(SessionTokenRow.token_sha256 == token_digest(token))
                .values(revoked=True)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]
