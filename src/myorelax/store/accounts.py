"""Accounts and sign-in tokens: users found by name, tokens stored only as SHA-256 digests.

Password hashing is the caller's (the service's) job; this module keeps the hash it is given.
Every change to an account (a password set, a session ended) is written to the audit log in the
same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from myorelax.diary.records import Actor, UserAccount
from myorelax.errors import AccessError, InputError, NotFoundError
from myorelax.frozen import Frozen
from myorelax.store.db import Database
from myorelax.store.tables import AuditRow, SessionTokenRow, UserRow

# A token's last use is written at most this often (not on every request).
LAST_USED_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class SessionInfo(Frozen):
    """One live sign-in of a user, as shown to that user (never the token itself)."""

    id: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    user_agent: str | None = None
    current: bool = False


def _audit(s: Session, actor: Actor, action: str, entity: str, entity_id: int | None,
           detail: str | None = None) -> None:  # fmt: skip
    s.add(AuditRow(at=datetime.now(UTC), user_id=actor.user_id, action=action, entity=entity,
                   entity_id=entity_id, patient_id=None, detail=detail))  # fmt: skip


def _live(user_id: int, now: datetime) -> list[ColumnElement[bool]]:
    return [
        SessionTokenRow.user_id == user_id,
        SessionTokenRow.revoked.is_(False),
        SessionTokenRow.expires_at > now,
    ]


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

    def password_hash_of(self, user_id: int) -> str | None:
        with self.db.unit_of_work() as s:
            row = s.get(UserRow, user_id)
            return None if row is None else row.password_hash

    def users(self) -> tuple[UserAccount, ...]:
        """Every account, by name (for an administrator's page)."""
        with self.db.unit_of_work() as s:
            rows = s.scalars(select(UserRow).order_by(UserRow.username)).all()
            return tuple(UserAccount(id=r.id, username=r.username, role=r.role) for r in rows)

    def issue_token(
        self, user_id: int, token: str, expires_at: datetime, user_agent: str | None = None
    ) -> None:
        now = datetime.now(UTC)
        with self.db.unit_of_work() as s:
            s.add(
                SessionTokenRow(
                    user_id=user_id,
                    token_sha256=token_digest(token),
                    created_at=now,
                    expires_at=expires_at,
                    revoked=False,
                    user_agent=(user_agent or "")[:200] or None,
                    last_used_at=now,
                )
            )

    def user_for_token(self, token: str) -> UserAccount | None:
        """The user a live, unrevoked token belongs to (its last use noted, once a minute)."""
        now = datetime.now(UTC)
        with self.db.unit_of_work() as s:
            row = s.execute(
                select(SessionTokenRow, UserRow)
                .join(UserRow, UserRow.id == SessionTokenRow.user_id)
                .where(SessionTokenRow.token_sha256 == token_digest(token))
            ).first()
            if row is None:
                return None
            tok, user = row
            if tok.revoked or _aware(tok.expires_at) <= now:
                return None
            if tok.last_used_at is None or _aware(tok.last_used_at) + LAST_USED_EVERY <= now:
                tok.last_used_at = now
            return UserAccount(id=user.id, username=user.username, role=user.role)

    def revoke_token(self, token: str) -> bool:
        with self.db.unit_of_work() as s:
            done = s.execute(
                update(SessionTokenRow)
                .where(SessionTokenRow.token_sha256 == token_digest(token))
                .values(revoked=True)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    # -- sessions ----------------------------------------------------------------------------
    def sessions(self, user_id: int, current_token: str | None = None) -> tuple[SessionInfo, ...]:
        """The user's live sessions: the one `current_token` is (marked `current`) first, then
        the others newest first."""
        now = datetime.now(UTC)
        mine = token_digest(current_token) if current_token else None
        with self.db.unit_of_work() as s:
            rows = s.scalars(
                select(SessionTokenRow)
                .where(*_live(user_id, now))
                .order_by(SessionTokenRow.created_at.desc(), SessionTokenRow.id.desc())
            ).all()
            found = (
                SessionInfo(
                    id=r.id,
                    created_at=_aware(r.created_at),
                    expires_at=_aware(r.expires_at),
                    last_used_at=_aware(r.last_used_at) if r.last_used_at else None,
                    user_agent=r.user_agent,
                    current=r.token_sha256 == mine,
                )
                for r in rows
            )
            return tuple(sorted(found, key=lambda info: not info.current))  # this one first

    def revoke_session(self, actor: Actor, session_id: int) -> None:
        """End one of the actor's own live sessions; NotFoundError for anyone else's (ids are
        not revealed) or for one already ended."""
        now = datetime.now(UTC)
        with self.db.unit_of_work() as s:
            done = s.execute(
                update(SessionTokenRow)
                .where(SessionTokenRow.id == session_id, *_live(actor.user_id or -1, now))
                .values(revoked=True)
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"no live session {session_id} of yours", field="session")
            _audit(s, actor, "delete", "session", session_id, "ended by its user")

    def revoke_other_sessions(self, actor: Actor, keep_token: str | None) -> int:
        """End every live session of the actor but the one `keep_token` is; how many ended."""
        with self.db.unit_of_work() as s:
            n = self._revoke_all(s, actor.user_id or -1, keep_token)
            _audit(s, actor, "delete", "session", None, f"{n} other sessions ended by their user")
            return n

    @staticmethod
    def _revoke_all(s: Session, user_id: int, keep_token: str | None) -> int:
        query = update(SessionTokenRow).where(*_live(user_id, datetime.now(UTC)))
        if keep_token:
            query = query.where(SessionTokenRow.token_sha256 != token_digest(keep_token))
        return int(s.execute(query.values(revoked=True)).rowcount)  # type: ignore[attr-defined]

    # -- passwords ---------------------------------------------------------------------------
    def change_password(self, actor: Actor, new_hash: str, keep_token: str | None) -> int:
        """The actor's own new password (the caller checked the current one): every other
        session of theirs ends. Returns how many ended."""
        if actor.user_id is None:
            raise AccessError("the command line has no password of its own", field="user")
        with self.db.unit_of_work() as s:
            row = s.get(UserRow, actor.user_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no user {actor.user_id}", field="user")
            row.password_hash = new_hash
            n = self._revoke_all(s, row.id, keep_token)
            _audit(s, actor, "update", "password", row.id, f"changed by its user; {n} other "
                   "sessions ended")  # fmt: skip
            return n

    def reset_password(self, actor: Actor, username: str, new_hash: str) -> tuple[UserAccount, int]:
        """An administrator sets another user's password: every session of that user ends.
        Returns the account and how many sessions ended."""
        if actor.role != "admin":
            raise AccessError(f"a {actor.role} may not reset passwords", field="role")
        with self.db.unit_of_work() as s:
            row = s.scalar(
                select(UserRow).where(UserRow.username == username.strip()).with_for_update()
            )
            if row is None:
                raise NotFoundError(f"no user {username.strip()!r}", field="username")
            if row.id == actor.user_id:
                raise InputError(
                    "that is your own account: change your own password on your account page "
                    "(the current one is asked for)",
                    field="username",
                )
            row.password_hash = new_hash
            n = self._revoke_all(s, row.id, None)
            _audit(s, actor, "update", "password", row.id,
                   f"reset by {actor.name or 'an administrator'}; {n} sessions ended"[:200])  # fmt: skip
            return UserAccount(id=row.id, username=row.username, role=row.role), n

    def username_of(self, user_id: int) -> str | None:
        with self.db.unit_of_work() as s:
            row = s.get(UserRow, user_id)
            return None if row is None else row.username
