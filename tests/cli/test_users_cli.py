"""`myorelax users reset-password`: a new password (random and printed once, or from stdin),
every session of the user ended, the change audited; bad input is one line and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from myorelax.api.security import hash_password, verify_password
from myorelax.diary.records import SYSTEM
from myorelax.store.accounts import AccountStore
from myorelax.store.db import Database
from myorelax.store.repositories import DiaryStore
from myorelax.store.tables import AuditRow
from tests.conftest import CliRunner


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AccountStore:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MYORELAX_DATABASE_URL", url)
    db = Database.connect(url)
    DiaryStore(db).create_user(SYSTEM, "nurse", "clinician", hash_password("the old password"))
    return AccountStore(db)


def _hash(accounts: AccountStore) -> str | None:
    found = accounts.credentials("nurse")
    assert found is not None
    return found[1]


def test_reset_prints_a_random_password_once_and_ends_sessions(
    cli: CliRunner, accounts: AccountStore
) -> None:
    found = accounts.credentials("nurse")
    assert found is not None
    accounts.issue_token(found[0].id, "tok", datetime.now(UTC) + timedelta(hours=1))
    out = cli("users", "reset-password", "nurse")
    assert out.returncode == 0, out.stderr
    password = out.stdout.strip()
    assert len(password) >= 12 and "\n" not in password  # stdout holds the password alone
    assert "shown once" in out.stderr and "1 session ended" in out.stderr
    assert verify_password(password, _hash(accounts))
    assert accounts.user_for_token("tok") is None
    with accounts.db.unit_of_work() as s:
        audit = s.scalars(select(AuditRow).where(AuditRow.entity == "password")).all()
        assert [(a.action, a.user_id) for a in audit] == [("update", None)]


def test_reset_reads_the_password_from_stdin(cli: CliRunner, accounts: AccountStore) -> None:
    out = cli("users", "reset-password", "nurse", "--stdin", "--json",
              input="a chosen passphrase\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["password"] is None and body["user"]["username"] == "nurse"
    assert verify_password("a chosen passphrase", _hash(accounts))


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("nobody",), None, "error: NAME: no user 'nobody'"),
        (("nurse", "--stdin"), "short\n", "error: --stdin: the password read must be at least 12"),
        (("nurse", "--stdin"), "", "error: --stdin: the password read must be at least 12"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    cli: CliRunner, accounts: AccountStore, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    before = _hash(accounts)
    out = cli("users", "reset-password", *args, input=stdin)
    assert out.returncode == 2
    assert out.stderr.startswith(message) and out.stderr.count("\n") == 1
    assert _hash(accounts) == before


def test_users_list(cli: CliRunner, accounts: AccountStore) -> None:
    out = cli("users", "list", "--json")
    assert out.returncode == 0
    assert [u["username"] for u in json.loads(out.stdout)["users"]] == ["nurse"]
