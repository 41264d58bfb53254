"""Opening a database: alembic runs only when the database is behind the package's migrations."""

from __future__ import annotations

from pathlib import Path

from myorelax.store.db import (
    Database,
    alembic_config,
    downgrade_database,
    head_revision,
    is_current,
    make_engine,
)


def test_head_revision_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert head_revision() == script.get_current_head()


def test_connect_upgrades_only_a_database_that_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    assert not is_current(engine)  # no version table yet
    db = Database.connect(url)
    assert is_current(db.engine)
    downgrade_database(db.engine, "0002")
    assert not is_current(db.engine)
    again = Database.connect(url)
    assert is_current(again.engine)
