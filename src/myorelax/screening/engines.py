"""The engines that run the generated SQL: DuckDB (default, embedded), Spark (PySpark; local mode
or a cluster URL) and PostgreSQL (in the database; used by the benchmark and the tests).

Each engine exposes the input tables as `raw_<table>`, loads the small code tables, keeps each
step's result as a table, and returns query results as Arrow tables. An error the engine raises
while reading the input (a date that does not parse, a column of the wrong type) becomes an
`InputError` naming the input table.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pyarrow as pa

from myorelax.errors import InputError
from myorelax.screening.sql import AuxTable, Dialect, raw

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import psycopg
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

FileFormat = Literal["parquet", "csv"]
EngineName = Literal["duckdb", "spark"]

_ARROW_TYPES = {"BIGINT": pa.int64(), "INTEGER": pa.int32(), "TEXT": pa.string()}


def aux_arrow(aux: AuxTable) -> pa.Table:
    """A code table as Arrow."""
    cols = {
        name: pa.array([r[i] for r in aux.rows], type=_ARROW_TYPES[kind])
        for i, (name, kind) in enumerate(aux.columns)
    }
    return pa.table(cols)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


class Engine(Protocol):
    dialect: Dialect
    name: str
    batch_patterns: bool  # run all pattern queries as one (one job graph on Spark)

    def load_files(self, table: str, paths: Sequence[Path], fmt: FileFormat) -> None: ...
    def load_arrow(self, table: str, data: pa.Table) -> None: ...
    def attach_duckdb(self, path: Path, tables: dict[str, str]) -> None: ...
    def columns(self, table: str) -> frozenset[str]: ...
    def put_aux(self, aux: AuxTable) -> None: ...
    def materialize(self, name: str, sql: str, reads: str) -> None: ...
    def fetch(self, sql: str, reads: str) -> pa.Table: ...
    def close(self) -> None: ...


def _quote_path(p: Path) -> str:
    return "'" + str(p).replace("'", "''") + "'"


class DuckDBEngine:
    """DuckDB in this process: reads Parquet, CSV and DuckDB files in place."""

    name = "duckdb"
    dialect = Dialect("duckdb")
    batch_patterns = False

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.con: duckdb.DuckDBPyConnection = duckdb.connect(":memory:")
        # Row order of intermediate tables does not matter: every result is sorted at the end.
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        self._n = 0

    @contextmanager
    def _input_errors(self, reads: str) -> Iterator[None]:
        try:
            yield
        except self._duckdb.Error as exc:
            raise InputError(first_line(exc), field=reads) from None

    def load_files(self, table: str, paths: Sequence[Path], fmt: FileFormat) -> None:
        files = "[" + ", ".join(_quote_path(p) for p in paths) + "]"
        reader = (
            f"read_parquet({files}, union_by_name = true)"
            if fmt == "parquet"
            else f"read_csv({files}, header = true, all_varchar = true, union_by_name = true)"
        )
        with self._input_errors(table):
            self.con.execute(f"CREATE OR REPLACE VIEW {raw(table)} AS SELECT * FROM {reader}")

    def load_arrow(self, table: str, data: pa.Table) -> None:
        self._n += 1
        name = f"arrow_{table}_{self._n}"
        self.con.register(name, data)
        self.con.execute(f"CREATE OR REPLACE VIEW {raw(table)} AS SELECT * FROM {name}")

    def attach_duckdb(self, path: Path, tables: dict[str, str]) -> None:
        with self._input_errors("PATH"):
            self.con.execute(f"ATTACH {_quote_path(path)} AS src (READ_ONLY)")
            for table, qualified in tables.items():
                self.con.execute(
                    f"CREATE OR REPLACE VIEW {raw(table)} AS SELECT * FROM {qualified}"
                )

    def columns(self, table: str) -> frozenset[str]:
        with self._input_errors(table):
            rel = self.con.sql(f"SELECT * FROM {raw(table)} LIMIT 0")
        return frozenset(c.lower() for c in rel.columns)

    def put_aux(self, aux: AuxTable) -> None:
        self.load_arrow(aux.name, aux_arrow(aux))
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {aux.name} AS SELECT * FROM {raw(aux.name)}"
        )

    def materialize(self, name: str, sql: str, reads: str) -> None:
        with self._input_errors(reads):
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def fetch(self, sql: str, reads: str) -> pa.Table:
        with self._input_errors(reads):
            return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


def spark_session(
    master: str = "local[2]", *, shuffle_partitions: int | None = None, small: bool = False
) -> SparkSession:
    """A Spark session for screening: the web UI off, Arrow transfers. In local mode few shuffle
    partitions (4); on a cluster the site's own setting (spark-defaults.conf or `--conf` in
    PYSPARK_SUBMIT_ARGS; Spark's default otherwise, coalesced by adaptive execution) unless
    `shuffle_partitions` is given. `small` (tests, small inputs) turns off code generation and
    adaptive planning, which cost seconds per query to compile and pay off only on large data."""
    from pyspark.sql import SparkSession

    if shuffle_partitions is None and master.startswith("local"):
        shuffle_partitions = 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark's pandas version notice
        builder = (
            SparkSession.builder.master(master)
            .appName("myorelax-screening")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        if shuffle_partitions is not None:
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        session = (
            builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.locality.wait", "0s")
            .config("spark.sql.constraintPropagation.enabled", "false")
            .config("spark.sql.codegen.wholeStage", str(not small).lower())
            .config("spark.sql.adaptive.enabled", str(not small).lower())
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Spark SQL through PySpark; `session` may be shared (tests) or built from `master`."""

    name = "spark"
    dialect = Dialect("spark")
    batch_patterns = True

    def __init__(self, session: SparkSession | None = None, *, master: str = "local[2]") -> None:
        self._own = session is None
        self.spark = session if session is not None else spark_session(master)
        self._views: list[str] = []

    @contextmanager
    def _input_errors(self, reads: str) -> Iterator[None]:
        from pyspark.errors import PySparkException

        try:
            yield
        except PySparkException as exc:  # analysis and data errors; JVM failures stay internal
            raise InputError(first_line(exc), field=reads) from None

    def _view(self, name: str, df: Any) -> None:
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def load_files(self, table: str, paths: Sequence[Path], fmt: FileFormat) -> None:
        reader = self.spark.read
        names = [str(p) for p in paths]
        with self._input_errors(table):
            df = (
                reader.parquet(*names)
                if fmt == "parquet"
                else reader.option("header", "true").csv(names)
            )
        self._view(raw(table), df)

    def load_arrow(self, table: str, data: pa.Table) -> None:
        with self._input_errors(table):
            self._view(raw(table), self.spark.createDataFrame(data))

    def attach_duckdb(self, path: Path, tables: dict[str, str]) -> None:
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            for table, qualified in tables.items():
                self.load_arrow(table, con.sql(f"SELECT * FROM {qualified}").to_arrow_table())
        finally:
            con.close()

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(c.lower() for c in self.spark.table(raw(table)).columns)

    def put_aux(self, aux: AuxTable) -> None:
        self._view(aux.name, self.spark.createDataFrame(aux_arrow(aux)))

    def materialize(self, name: str, sql: str, reads: str) -> None:
        # Computed now and its lineage cut: later queries plan against the stored rows instead
        # of re-planning every step below them (which costs seconds per query, or the heap).
        with self._input_errors(reads):
            self._view(name, self.spark.sql(sql).localCheckpoint(eager=True))

    def fetch(self, sql: str, reads: str) -> pa.Table:
        with self._input_errors(reads):
            return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for v in reversed(self._views):
            self.spark.catalog.dropTempView(v)
        self.spark.catalog.clearCache()
        self._views.clear()
        if self._own:
            self.spark.stop()


class PostgresEngine:
    """The same SQL inside PostgreSQL, over tables already in the connected database."""

    name = "postgres"
    dialect = Dialect("postgres")
    batch_patterns = False

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    @contextmanager
    def _input_errors(self, reads: str) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.errors.DataError as exc:
            raise InputError(first_line(exc), field=reads) from None

    def _run(self, sql: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql.encode())

    def load_files(self, table: str, paths: Sequence[Path], fmt: FileFormat) -> None:
        raise InputError("the PostgreSQL engine reads tables in the database only", field="PATH")

    def load_arrow(self, table: str, data: pa.Table) -> None:
        raise InputError("the PostgreSQL engine reads tables in the database only", field="PATH")

    def attach_duckdb(self, path: Path, tables: dict[str, str]) -> None:
        raise InputError("the PostgreSQL engine reads tables in the database only", field="PATH")

    def attach_tables(self, tables: dict[str, str]) -> None:
        for table, qualified in tables.items():
            self._run(f"CREATE OR REPLACE TEMP VIEW {raw(table)} AS SELECT * FROM {qualified}")

    def columns(self, table: str) -> frozenset[str]:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT * FROM {raw(table)} LIMIT 0".encode())
            return frozenset(d.name.lower() for d in cur.description or ())

    def put_aux(self, aux: AuxTable) -> None:
        types = {"BIGINT": "BIGINT", "INTEGER": "INTEGER", "TEXT": "TEXT"}
        cols = ", ".join(f"{n} {types[k]}" for n, k in aux.columns)
        self._run(f"DROP TABLE IF EXISTS {aux.name}")
        self._run(f"CREATE TEMP TABLE {aux.name} ({cols})")
        names = ", ".join(n for n, _ in aux.columns)
        with (
            self.conn.cursor() as cur,
            cur.copy(f"COPY {aux.name} ({names}) FROM STDIN".encode()) as cp,
        ):
            for row in aux.rows:
                cp.write_row(row)
        self._run(f"ANALYZE {aux.name}")

    def materialize(self, name: str, sql: str, reads: str) -> None:
        with self._input_errors(reads):
            self._run(f"DROP TABLE IF EXISTS {name}")
            self._run(f"CREATE TEMP TABLE {name} AS {sql}")
            self._run(f"ANALYZE {name}")

    def fetch(self, sql: str, reads: str) -> pa.Table:
        with self._input_errors(reads), self.conn.cursor() as cur:
            cur.execute(sql.encode())
            names = [d.name for d in cur.description or ()]
            rows = cur.fetchall()
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def close(self) -> None:
        self.conn.rollback()
