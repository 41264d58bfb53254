"""State that every server process sharing a database must see: used CDS token ids and recent
sign-in failures. Kept in the database (SQLite or PostgreSQL), never in one process's memory."""

from __future__ import annotations

import itertools

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from myorelax.store.db import Database
from myorelax.store.tables import CdsTokenUseRow, SignInFailureRow

_PRUNE_EVERY = 256  # calls between deletions of expired rows


class TokenUseStore:
    """`jti` values per issuer, kept until their token expires (CDS Hooks replay protection)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._calls = itertools.count()

    def first_use(self, iss: str, jti: str, keep_until: float, now: float) -> bool:
        """Record the use; False when this (iss, jti) was used before and is still kept. Two
        processes racing on one token: the loser's insert violates the primary key (replay)."""
        if next(self._calls) % _PRUNE_EVERY == 0:
            with self.db.unit_of_work() as s:
                s.execute(delete(CdsTokenUseRow).where(CdsTokenUseRow.expires_at <= now))
        # One statement, on every CDS call: insert the use, or renew an expired entry not yet
        # pruned; a row comes back unless the (iss, jti) is still kept (a replay). Both
        # dialects spell it the same (INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING).
        insert = pg_insert if self.db.engine.dialect.name == "postgresql" else sqlite_insert
        new = insert(CdsTokenUseRow).values(iss=iss, jti=jti, expires_at=keep_until)
        stmt = new.on_conflict_do_update(
            index_elements=[CdsTokenUseRow.iss, CdsTokenUseRow.jti],
            set_={"expires_at": new.excluded.expires_at},
            where=CdsTokenUseRow.expires_at <= now,
        ).returning(CdsTokenUseRow.jti)
        try:
            with self.db.engine.begin() as conn:
                return conn.execute(stmt).first() is not None
        except IntegrityError:  # a database without ON CONFLICT semantics for this race
            return False


class SignInThrottle:
    """Failed sign-ins counted per key (a user name, a client address) over a window; a key with
    too many failures is locked for the rest of the window."""

    def __init__(self, db: Database, *, max_failures: int, window_s: float) -> None:
        self.db = db
        self.max_failures = max_failures
        self.window_s = window_s

    def wait_s(self, keys: list[str], now: float) -> float:
        """Seconds until every key may try again (0 when none is locked)."""
        with self.db.unit_of_work() as s:
            until = s.scalars(
                select(SignInFailureRow.locked_until).where(SignInFailureRow.key.in_(keys))
            ).all()
        return max([u - now for u in until if u > now], default=0.0)

    def failed(self, keys: list[str], now: float, limits: dict[str, int] | None = None) -> None:
        """Count one failure for each key (`limits` may give a key its own maximum)."""
        for key in keys:
            try:
                self._count(key, now, (limits or {}).get(key, self.max_failures))
            except IntegrityError:  # another process inserted the key first: count again
                self._count(key, now, (limits or {}).get(key, self.max_failures))

    def _count(self, key: str, now: float, limit: int) -> None:
        with self.db.unit_of_work() as s:
            row = s.get(SignInFailureRow, key, with_for_update=True)
            if row is None or row.first_at + self.window_s <= now:
                if row is not None:
                    s.delete(row)
                    s.flush()
                row = SignInFailureRow(key=key, failures=0, first_at=now, locked_until=0.0)
                s.add(row)
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = row.first_at + self.window_s

    def succeeded(self, key: str) -> None:
        with self.db.unit_of_work() as s:
            s.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))
