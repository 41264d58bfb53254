"""PostgreSQL: tables read from a private schema (DuckDB engine), and the same SQL run inside
PostgreSQL, find the planted people (skipped when PostgreSQL is not reachable)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from myorelax.errors import InputError
from myorelax.screening.engines import PostgresEngine
from myorelax.screening.inputs import PostgresInput, open_input
from myorelax.screening.patterns import ScreeningKnowledge
from myorelax.screening.run import run_screening, screen
from myorelax.screening.synthetic import SyntheticOmop
from tests.screening.conftest import PG_URL

pytestmark = pytest.mark.postgres

_PG_TYPES = {
    "int64": "BIGINT",
    "int32": "INTEGER",
    "date32[day]": "DATE",
    "double": "DOUBLE PRECISION",
    "string": "TEXT",
    "large_string": "TEXT",
}


def load(conn: Any, schema: str, tables: dict[str, Any]) -> None:
    for name, table in tables.items():
        cols = ", ".join(f"{f.name} {_PG_TYPES[str(f.type)]}" for f in table.schema)
        conn.execute(f'CREATE TABLE "{schema}".{name} ({cols})'.encode())
        names = ", ".join(table.column_names)
        with conn.cursor().copy(f'COPY "{schema}".{name} ({names}) FROM STDIN'.encode()) as cp:
            for row in table.to_pylist():
                cp.write_row(tuple(row.values()))


def test_postgres_input_and_in_database_sql_find_the_planted_people(
    pg_schema: str, planted: SyntheticOmop, knowledge: ScreeningKnowledge
) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        load(conn, pg_schema, planted.tables)
    url = f"{PG_URL}?options=-csearch_path%3D{pg_schema}"
    copied = screen(url)
    assert copied.result.input.startswith("PostgreSQL 127.0.0.1:5432/test")
    for p in copied.result.patterns:
        assert list(p.person_ids) == planted.truth[p.code].tolist(), p.code
    source = open_input(f"{PG_URL}?schema={pg_schema}")
    assert isinstance(source, PostgresInput) and source.schema == pg_schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        in_db = run_screening(source, PostgresEngine(conn), knowledge)
    assert in_db.persons.equals(copied.persons)
    assert in_db.result.rows_matched == copied.result.rows_matched


def test_postgres_schema_without_omop_tables_is_one_line(pg_schema: str) -> None:
    with pytest.raises(InputError, match=f"PATH: no person table in schema {pg_schema}"):
        open_input(f"{PG_URL}?schema={pg_schema}")


def test_unreachable_postgres_is_an_input_error() -> None:
    with pytest.raises(InputError, match="PATH: cannot connect"):
        open_input("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
