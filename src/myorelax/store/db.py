"""Engine, sessions and migrations.

Default database: SQLite file `myorelax.db` in the user's data folder (platformdirs), with WAL,
foreign keys on and synchronous=FULL (a committed transaction survives a killed process and a
power cut). `MYORELAX_DATABASE_URL` selects another database, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/test`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from myorelax.errors import InputError

if TYPE_CHECKING:
    from alembic.config import Config

ENV_URL = "MYORELAX_DATABASE_URL"


def default_url() -> str:
    url = os.environ.get(ENV_URL)
    if url:
        return url
    folder = Path(user_data_dir("myorelax", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'myorelax.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or default_url()
    try:
        # hide_parameters: a failed statement's values (patient data) never reach the log.
        engine = create_engine(url, future=True, hide_parameters=True, **kwargs)
    except Exception as exc:
        raise InputError(f"cannot use database URL: {exc}", field=ENV_URL) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # alembic is imported only when migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(files("myorelax.store") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (each migration in its own transaction)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


def head_revision() -> str:
    """The newest migration of the package, read from the migration files (no alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for node in (files("myorelax.store") / "migrations" / "versions").iterdir():
        if not node.name.endswith(".py") or node.name.startswith("__"):
            continue
        for kind, value in _REVISION.findall(node.read_text(encoding="utf-8")):
            if value:
                (revisions if kind == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def is_current(engine: Engine) -> bool:
    """Whether the database is already at the newest migration (one query; False when the
    version table does not exist yet)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [r[0] for r in rows] == [head_revision()]


def downgrade_database(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


class Database:
    """An engine and its session factory; `unit_of_work()` is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: str | None = None, *, upgrade: bool = True) -> Database:
        db = cls(make_engine(url))
        # Alembic (about a second to import and compare) runs only when there is something to do.
        if upgrade and not is_current(db.engine):
            upgrade_database(db.engine)
        return db

    def ping(self) -> None:
        """One round trip to the database (raises when it does not answer)."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Commit when the block ends normally, roll back on any error: all or nothing."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
