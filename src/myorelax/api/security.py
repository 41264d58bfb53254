"""Users: passwords hashed with Argon2id (pwdlib), bearer tokens for REST and the web UI.

A sign-in returns a random token (256 bits); the database keeps only its SHA-256 digest. The
token travels as `Authorization: Bearer ...` or in the `myorelax_session` cookie (HttpOnly,
SameSite=Strict) for the web UI. Tokens and passwords never reach the log.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash

from myorelax.diary.records import Actor, UserAccount
from myorelax.errors import InputError
from myorelax.store.accounts import AccountStore

COOKIE = "myorelax_session"
MIN_PASSWORD = 12


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"must be at least {MIN_PASSWORD} characters", field="password")
    return _hasher().hash(password)


# A fixed hash to verify against when the user does not exist, so that a wrong user name and a
# wrong password take the same time.
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return bool(_hasher().verify(password, password_hash))
    except Exception:  # a malformed stored hash is a failed sign-in, not a 500
        return False


def new_password() -> str:
    """A random password for generated accounts (never a fixed one)."""
    return secrets.token_urlsafe(15)


def sign_in(
    accounts: AccountStore, username: str, password: str, hours: float
) -> tuple[UserAccount, str, datetime] | None:
    """Check the password; on success issue a token. None for any failure (same answer for a
    wrong name and a wrong password)."""
    found = accounts.credentials(username)
    if found is None:
        verify_password(password, None)
        return None
    account, stored = found
    if not verify_password(password, stored):
        return None
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    accounts.issue_token(account.id, token, expires)
    return account, token, expires


def actor_of(user: UserAccount) -> Actor:
    return Actor(user_id=user.id, role=user.role, name=user.username)
