"""Users: passwords hashed with Argon2id (pwdlib), bearer tokens for REST and the web UI.

A sign-in returns a random token (256 bits); the database keeps only its SHA-256 digest. The
token travels as `Authorization: Bearer ...` or in the `myorelax_session` cookie (HttpOnly,
SameSite=Strict) for the web UI. Tokens and passwords never reach the log.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from myorelax.diary.records import Actor, UserAccount
from myorelax.errors import AccessError, InputError, NotFoundError, TooManyAttemptsError
from myorelax.store.accounts import AccountStore
from myorelax.store.shared_state import SignInThrottle

COOKIE = "myorelax_session"
MIN_PASSWORD = 12
MAX_PASSWORD = 200


_WEAK = False  # set by use_weak_hashes_for_tests; the recommended cost otherwise


@lru_cache(maxsize=2)
def _hasher_of(weak: bool) -> PasswordHash:
    if weak:
        # The least Argon2id allows: for test suites, which create and sign in hundreds of
        # accounts. A hash made so is verified like any other (its parameters are in it).
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    return PasswordHash.recommended()


def _hasher() -> PasswordHash:
    return _hasher_of(_WEAK)


def use_weak_hashes_for_tests(weak: bool) -> None:
    """Settings.password_hashing: 'weak-for-tests' makes new hashes nearly free."""
    global _WEAK
    _WEAK = weak
    _dummy_hash.cache_clear()


def password_problem(password: str) -> str | None:
    """What is wrong with a new password (the policy), or None."""
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"must be at most {MAX_PASSWORD} characters"
    if not password.strip():
        return "must not be only spaces"
    return None


def hash_password(password: str, *, field: str = "password") -> str:
    problem = password_problem(password)
    if problem is not None:
        raise InputError(problem, field=field)
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


@dataclass
class SignInGuard:
    """Limits on password checking: failures counted per user name and per client address in the
    shared database (every process sees them), and how many Argon2id checks run at once in this
    process (each costs about a second of CPU: unbounded, a few wrong passwords starve every
    other request)."""

    throttle: SignInThrottle
    address_max_failures: int
    concurrency: int = 1
    queue_wait_s: float = 10.0
    _slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.concurrency)

    def keys(self, username: str, address: str | None) -> list[str]:
        keys = [f"user:{username.casefold()[:200]}"]
        if address:
            keys.append(f"addr:{address[:200]}")
        return keys

    def check(self, username: str, password: str, stored: str | None,
              address: str | None) -> bool:  # fmt: skip
        keys = self.keys(username, address)
        wait = self.throttle.wait_s(keys, time.time())
        if wait > 0:
            raise TooManyAttemptsError(wait)
        if not self._slots.acquire(timeout=self.queue_wait_s):
            raise TooManyAttemptsError(5)
        try:
            ok = verify_password(password, stored)
        finally:
            self._slots.release()
        if ok:
            self.throttle.succeeded(keys[0])
        else:
            limits = {k: self.address_max_failures for k in keys if k.startswith("addr:")}
            self.throttle.failed(keys, time.time(), limits)
        return ok


def sign_in(
    accounts: AccountStore, username: str, password: str, hours: float,
    *, guard: SignInGuard | None = None, address: str | None = None,
    user_agent: str | None = None,
) -> tuple[UserAccount, str, datetime] | None:  # fmt: skip
    """Check the password; on success issue a token. None for any failure (same answer for a
    wrong name and a wrong password); TooManyAttemptsError when the name or the address is
    locked after repeated failures (whether or not the name exists)."""
    found = accounts.credentials(username)
    account, stored = found if found is not None else (None, None)
    ok = (guard.check(username, password, stored, address) if guard is not None
          else verify_password(password, stored))  # fmt: skip
    if account is None or not ok:
        return None
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    accounts.issue_token(account.id, token, expires, user_agent)
    return account, token, expires


def actor_of(user: UserAccount) -> Actor:
    return Actor(user_id=user.id, role=user.role, name=user.username)


def confirm_password(
    accounts: AccountStore, actor: Actor, password: str,
    *, guard: SignInGuard | None = None, address: str | None = None,
) -> bool:  # fmt: skip
    """Is this the actor's current password? Checked like a sign-in (failures count towards the
    same lock-out, and the same Argon2id slots are used)."""
    stored = accounts.password_hash_of(actor.user_id) if actor.user_id is not None else None
    if guard is not None:
        return guard.check(actor.name, password, stored, address)
    return verify_password(password, stored)


def change_password(
    accounts: AccountStore, actor: Actor, current: str, new: str, keep_token: str | None,
    *, guard: SignInGuard | None = None, address: str | None = None,
) -> int:  # fmt: skip
    """The signed-in user's new password, the current one required; every other session of
    theirs ends (returns how many)."""
    problem = password_problem(new)
    if problem is not None:
        raise InputError(problem, field="new_password")
    if not current:
        raise InputError("is required", field="current_password")
    if not confirm_password(accounts, actor, current, guard=guard, address=address):
        raise InputError("is wrong", field="current_password")
    if new == current:
        raise InputError("must differ from the current password", field="new_password")
    return accounts.change_password(actor, hash_password(new, field="new_password"), keep_token)


def reset_password(
    accounts: AccountStore, actor: Actor, username: str, password: str | None = None
) -> tuple[UserAccount, str | None, int]:
    """An administrator sets another user's password (a random one when none is given); every
    session of that user ends. Returns the account, the generated password (None when one was
    given) and how many sessions ended."""
    if actor.role != "admin":
        raise AccessError(f"a {actor.role} may not reset passwords", field="role")
    if "\x00" in username:
        raise NotFoundError("no such user", field="username")
    chosen = new_password() if password is None else password
    account, ended = accounts.reset_password(actor, username,
                                             hash_password(chosen, field="new_password"))  # fmt: skip
    return account, (chosen if password is None else None), ended
