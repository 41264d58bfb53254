"""Durable storage (SQLAlchemy 2 + Alembic): SQLite in the user's data folder by default,
PostgreSQL through MYORELAX_DATABASE_URL. ORM rows stay here; repositories return domain objects."""
