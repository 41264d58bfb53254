"""The count of set bits that BEERS-003 tests a person's ingredient mask with (three or more
different CNS-active ingredients), as each engine writes it: DuckDB's and Spark's `bit_count`,
PostgreSQL's length of the bit string's ones."""

from __future__ import annotations

import duckdb
import pytest

from myorelax.screening.sql import Dialect

from .conftest import PG, PG_URL

VALUES = [(0, 0), (1, 1), (7, 3), (0b101010, 3), (2**30 - 1, 30)]


def _query(dialect: Dialect) -> str:
    rows = ", ".join(f"({v})" for v, _ in VALUES)
    return f"SELECT {dialect.popcount('x')} FROM (VALUES {rows}) AS t(x)"


def test_duckdb_counts_the_bits() -> None:
    got = [r[0] for r in duckdb.sql(_query(Dialect("duckdb"))).fetchall()]
    assert got == [n for _, n in VALUES]


@pytest.mark.skipif(not PG, reason="PostgreSQL not reachable")
def test_postgres_counts_the_bits() -> None:
    import psycopg

    with psycopg.connect(PG_URL) as conn:
        got = [r[0] for r in conn.execute(_query(Dialect("postgres")).encode()).fetchall()]
    assert got == [n for _, n in VALUES]
