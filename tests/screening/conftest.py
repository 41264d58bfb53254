"""Shared screening fixtures: planted synthetic data written once per session, one local Spark
session (2 cores, 1 shuffle partition, no UI), and a private PostgreSQL schema when reachable."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from myorelax.screening.patterns import ScreeningKnowledge
from myorelax.screening.synthetic import SyntheticOmop, generate
from tests.screening.omop import packaged_knowledge

PG_URL = os.environ.get("MYORELAX_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def knowledge() -> ScreeningKnowledge:
    return packaged_knowledge()


@pytest.fixture(scope="session")
def planted() -> SyntheticOmop:
    return generate(2_500, 25_000, seed=7)


@pytest.fixture(scope="session")
def planted_dir(planted: SyntheticOmop, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted.write(tmp_path_factory.mktemp("planted") / "omop")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java for Spark")
    from myorelax.screening.engines import spark_session

    # The driver JVM with the client compiler only, as in test_spark_cluster: a JVM that lives
    # for two small tests spends its time starting up, and C2 compiler threads compete with it
    # for the 2 cores. Test tuning only; it changes no result.
    with pytest.MonkeyPatch.context() as mp:
        if "PYSPARK_SUBMIT_ARGS" not in os.environ:
            mp.setenv("PYSPARK_SUBMIT_ARGS",
                      "--driver-java-options -XX:TieredStopAtLevel=1 pyspark-shell")  # fmt: skip
        session = spark_session("local[2]", shuffle_partitions=1, small=True)
    yield session
    session.stop()


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
        return True
    except Exception:
        return False


PG = _pg_reachable()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards (skips without PostgreSQL)."""
    if not PG:
        pytest.skip("PostgreSQL not reachable")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'drop schema "{schema}" cascade')


def write_duckdb(tables: dict[str, Any], path: Path) -> Path:
    con = duckdb.connect(str(path))
    for name, table in tables.items():
        con.register("t", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM t")
        con.unregister("t")
    con.close()
    return path
