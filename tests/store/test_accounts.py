"""Accounts in the store (SQLite and PostgreSQL): password changes and resets end sessions, a
user's sessions are listed and ended one by one, and every change is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from myorelax.diary.records import SYSTEM, Actor
from myorelax.errors import AccessError, InputError, NotFoundError
from myorelax.store.accounts import AccountStore
from myorelax.store.db import Database, downgrade_database, upgrade_database
from myorelax.store.repositories import DiaryStore
from myorelax.store.tables import AuditRow, SessionTokenRow


def _actor(store: DiaryStore, name: str, role: str = "clinician") -> Actor:
    account = store.create_user(SYSTEM, name, role, "old-hash")  # type: ignore[arg-type]
    return Actor(user_id=account.id, role=account.role, name=account.username)


def _audit(db: Database) -> list[tuple[str, str, int | None, str | None]]:
    with db.unit_of_work() as s:
        rows = s.scalars(select(AuditRow).where(AuditRow.entity.in_(("password", "session"))))
        return [(r.action, r.entity, r.entity_id, r.detail) for r in rows]


def test_change_and_reset_end_sessions_and_are_audited(db: Database) -> None:
    accounts, diary = AccountStore(db), DiaryStore(db)
    alice, bob = _actor(diary, "alice"), _actor(diary, "bob")
    later = datetime.now(UTC) + timedelta(hours=1)
    for token in ("a1", "a2", "a3"):
        accounts.issue_token(alice.user_id or 0, token, later, "Mozilla/5.0 (X11; Linux) Chrome/1")
    accounts.issue_token(bob.user_id or 0, "b1", later)
    accounts.issue_token(alice.user_id or 0, "old", datetime.now(UTC) - timedelta(minutes=1))

    listed = accounts.sessions(alice.user_id or 0, "a2")
    assert len(listed) == 3 and [s.current for s in listed].count(True) == 1
    assert next(s for s in listed if s.current).user_agent.startswith("Mozilla")  # type: ignore[union-attr]

    assert accounts.change_password(alice, "new-hash", keep_token="a2") == 2
    assert accounts.password_hash_of(alice.user_id or 0) == "new-hash"
    assert accounts.user_for_token("a1") is None and accounts.user_for_token("a3") is None
    assert accounts.user_for_token("a2") is not None and accounts.user_for_token("b1") is not None

    admin = _actor(diary, "root", "admin")
    with pytest.raises(AccessError):
        accounts.reset_password(alice, "bob", "x")
    with pytest.raises(NotFoundError):
        accounts.reset_password(admin, "nobody", "x")
    with pytest.raises(InputError, match="your own"):
        accounts.reset_password(admin, "root", "x")
    account, ended = accounts.reset_password(admin, "alice", "reset-hash")
    assert account.username == "alice" and ended == 1
    assert accounts.user_for_token("a2") is None and accounts.sessions(alice.user_id or 0) == ()

    audit = _audit(db)
    assert (
        "update",
        "password",
        alice.user_id,
        "changed by its user; 2 other sessions ended",
    ) in audit
    assert ("update", "password", alice.user_id, "reset by root; 1 sessions ended") in audit
    # the command line resets as the local administrator
    assert accounts.reset_password(SYSTEM, "root", "cli-hash")[1] == 0


def test_sessions_are_ended_one_by_one_or_all_others(db: Database) -> None:
    accounts, diary = AccountStore(db), DiaryStore(db)
    alice, bob = _actor(diary, "alice"), _actor(diary, "bob")
    later = datetime.now(UTC) + timedelta(hours=1)
    for token in ("a1", "a2", "a3"):
        accounts.issue_token(alice.user_id or 0, token, later)
    accounts.issue_token(bob.user_id or 0, "b1", later)
    bobs = accounts.sessions(bob.user_id or 0)[0]
    with pytest.raises(NotFoundError):  # someone else's session is not found, not ended
        accounts.revoke_session(alice, bobs.id)
    assert accounts.user_for_token("b1") is not None

    first = next(s for s in accounts.sessions(alice.user_id or 0, "a1") if s.current)
    accounts.revoke_session(alice, first.id)
    with pytest.raises(NotFoundError):
        accounts.revoke_session(alice, first.id)
    assert accounts.user_for_token("a1") is None
    assert accounts.revoke_other_sessions(alice, keep_token="a3") == 1
    assert [s.current for s in accounts.sessions(alice.user_id or 0, "a3")] == [True]
    assert ("delete", "session", first.id, "ended by its user") in _audit(db)


def test_last_use_is_noted_at_most_once_a_minute(db: Database) -> None:
    accounts, diary = AccountStore(db), DiaryStore(db)
    alice = _actor(diary, "alice")
    accounts.issue_token(alice.user_id or 0, "a1", datetime.now(UTC) + timedelta(hours=1))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with db.unit_of_work() as s:
        for row in s.scalars(select(SessionTokenRow)):
            row.last_used_at = long_ago
    assert accounts.user_for_token("a1") is not None
    used = accounts.sessions(alice.user_id or 0)[0].last_used_at
    assert used is not None and used > long_ago + timedelta(hours=1)


def test_migration_0006_down_and_up_keeps_tokens(db_url: str) -> None:
    db = Database.connect(db_url)
    accounts = AccountStore(db)
    alice = _actor(DiaryStore(db), "alice")
    accounts.issue_token(alice.user_id or 0, "a1", datetime.now(UTC) + timedelta(hours=1), "ua")
    downgrade_database(db.engine, "-1")  # 0006 (the newest migration) down
    upgrade_database(db.engine)
    assert accounts.user_for_token("a1") is not None
    assert accounts.sessions(alice.user_id or 0)[0].user_agent is None
    db.engine.dispose()
