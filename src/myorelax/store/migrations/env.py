"""Alembic environment: the engine comes from `Config.attributes['engine']` (see store/db.py)."""

from __future__ import annotations

from alembic import context

from myorelax.store.tables import Base

config = context.config
engine = config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
