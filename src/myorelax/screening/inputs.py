"""Where OMOP tables come from: a folder of Parquet or CSV files, a DuckDB file, or PostgreSQL.

A folder holds one file per table (`person.parquet`, `drug_exposure.csv`, ...), or a folder per
table of Parquet or CSV parts (`drug_exposure/part-0.parquet`); names are case-insensitive. A
DuckDB file holds the tables in its main schema (or the only schema that has `person`). A
PostgreSQL URL (`postgresql://user@host:5432/db`, optionally `?schema=cdm` or
`?options=-csearch_path%3Dcdm`) names a database whose tables are copied out with COPY, only the
columns and vocabulary rows the screening reads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.csv as pacsv

from myorelax.errors import InputError
from myorelax.screening.concepts import VOCABULARY_OF
from myorelax.screening.engines import Engine, FileFormat, PostgresEngine, first_line
from myorelax.screening.sql import REQUIRED, TABLES

# Every column the screening may read, per table (the required ones and the optional ones).
COLUMNS: dict[str, tuple[str, ...]] = {
    "person": (*REQUIRED["person"], "month_of_birth", "day_of_birth"),
    "drug_exposure": (
        *REQUIRED["drug_exposure"],
        "drug_exposure_end_date",
        "days_supply",
        "drug_source_value",
    ),
    "measurement": (
        *REQUIRED["measurement"],
        "measurement_concept_id",
        "value_as_number",
        "unit_concept_id",
        "unit_source_value",
        "measurement_source_value",
    ),
    "condition_occurrence": (
        *REQUIRED["condition_occurrence"],
        "condition_concept_id",
        "condition_end_date",
        "condition_source_value",
    ),
    "concept": REQUIRED["concept"],
    "concept_ancestor": REQUIRED["concept_ancestor"],
}


@dataclass(frozen=True)
class FolderInput:
    path: Path
    files: Mapping[str, tuple[FileFormat, tuple[Path, ...]]]

    def load_into(self, engine: Engine) -> None:
        for table, (fmt, paths) in self.files.items():
            engine.load_files(table, paths, fmt)

    def describe(self) -> str:
        return f"folder {self.path}"


@dataclass(frozen=True)
class DuckDBFileInput:
    path: Path
    tables: Mapping[str, str]

    def load_into(self, engine: Engine) -> None:
        engine.attach_duckdb(self.path, dict(self.tables))

    def describe(self) -> str:
        return f"DuckDB file {self.path}"


@dataclass(frozen=True)
class PostgresInput:
    url: str
    schema: str | None
    tables: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            raise InputError(f"cannot connect: {first_line(exc)}", field="PATH") from None

    def _qualified(self, table: str) -> str:
        return f'"{self.schema}"."{table}"' if self.schema else f'"{table}"'

    def _select(self, table: str) -> str:
        cols = [c for c in COLUMNS[table] if c in self.tables[table]]
        sql = f"SELECT {', '.join(cols)} FROM {self._qualified(table)}"
        vocabularies = ", ".join(
            f"'{v}'" for v in sorted(set(VOCABULARY_OF.values()) | {"ICD10CM"})
        )
        if table == "concept":
            sql += f" WHERE vocabulary_id IN ({vocabularies})"
        if table == "concept_ancestor":
            # Only descendants of RxNorm ingredients (the codes are matched later).
            sql += (
                f" WHERE ancestor_concept_id IN (SELECT concept_id FROM {self._qualified('concept')}"
                " WHERE vocabulary_id = 'RxNorm' AND concept_class_id = 'Ingredient')"
                if "concept" in self.tables
                else " WHERE FALSE"
            )
        return sql

    def arrow(self, table: str) -> pa.Table:
        """One table copied out of PostgreSQL as text columns (the SQL casts them)."""
        conn = self.connect()
        buf = io.BytesIO()
        try:
            with conn.cursor() as cur:
                copy_sql = f"COPY ({self._select(table)}) TO STDOUT WITH (FORMAT csv, HEADER)"
                with cur.copy(copy_sql.encode()) as cp:
                    for chunk in cp:
                        buf.write(chunk)
        except Exception as exc:
            raise InputError(first_line(exc), field=table) from None
        finally:
            conn.close()
        buf.seek(0)
        cols = [c for c in COLUMNS[table] if c in self.tables[table]]
        opts = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in cols}, strings_can_be_null=True
        )
        return pacsv.read_csv(buf, convert_options=opts)

    def load_into(self, engine: Engine) -> None:
        if isinstance(engine, PostgresEngine):
            engine.attach_tables({t: self._qualified(t) for t in self.tables})
            return
        for table in self.tables:
            engine.load_arrow(table, self.arrow(table))

    def describe(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        return f"PostgreSQL {host}:{parts.port or 5432}{parts.path}" + (
            f" schema {self.schema}" if self.schema else ""
        )


@dataclass(frozen=True)
class ArrowInput:
    """Tables already in memory (name -> Arrow table), e.g. from a notebook or the generator."""

    tables: Mapping[str, pa.Table]

    def __post_init__(self) -> None:
        for table in ("person", "drug_exposure"):
            if table not in self.tables:
                raise InputError(f"no {table} table", field="tables")

    def load_into(self, engine: Engine) -> None:
        for table, data in self.tables.items():
            if table in TABLES:
                engine.load_arrow(table, data)

    def describe(self) -> str:
        return "tables in memory"


Input = FolderInput | DuckDBFileInput | PostgresInput | ArrowInput


def _folder(path: Path) -> FolderInput:
    found: dict[str, tuple[FileFormat, tuple[Path, ...]]] = {}
    for entry in sorted(path.iterdir()):
        stem = entry.name.split(".", 1)[0].lower()
        if stem not in TABLES:
            continue
        if entry.is_dir():
            parts = sorted(entry.glob("*.parquet")) or sorted(entry.glob("*.csv"))
            if not parts:
                continue
            fmt: FileFormat = "parquet" if parts[0].suffix == ".parquet" else "csv"
        elif entry.suffix.lower() in (".parquet", ".csv"):
            parts = [entry]
            fmt = "parquet" if entry.suffix.lower() == ".parquet" else "csv"
        else:
            continue
        if stem in found:
            raise InputError(f"two files for table {stem}", field="PATH")
        found[stem] = (fmt, tuple(parts))
    for table in ("person", "drug_exposure"):
        if table not in found:
            raise InputError(
                f"{path} has no {table} table ({table}.parquet or {table}.csv)", field="PATH"
            )
    return FolderInput(path=path, files=found)


def _duckdb_file(path: Path) -> DuckDBFileInput:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"{path}: {first_line(exc)}", field="PATH") from None
    try:
        rows = con.sql(
            "SELECT table_schema, lower(table_name) FROM information_schema.tables"
        ).fetchall()
    finally:
        con.close()
    schemas = [s for s, t in rows if t == "person"]
    schema = "main" if "main" in schemas else (schemas[0] if schemas else "main")
    tables = {t: f'src."{schema}"."{t}"' for s, t in rows if s == schema and t in TABLES}
    for table in ("person", "drug_exposure"):
        if table not in tables:
            raise InputError(f"{path} has no {table} table", field="PATH")
    return DuckDBFileInput(path=path, tables=tables)


def _postgres(url: str) -> PostgresInput:
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    scheme = "postgresql"
    clean = urlunsplit((scheme, parts.netloc, parts.path, rest, ""))
    probe = PostgresInput(url=clean, schema=schema)
    conn = probe.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT lower(table_name), lower(column_name) FROM information_schema.columns "
                "WHERE table_schema = COALESCE(%s, current_schema())",
                (schema,),
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    tables: dict[str, set[str]] = {}
    for t, c in rows:
        if t in TABLES:
            tables.setdefault(t, set()).add(c)
    for table in ("person", "drug_exposure"):
        if table not in tables:
            where = f"schema {schema}" if schema else "the current schema"
            raise InputError(f"no {table} table in {where}", field="PATH")
    return PostgresInput(
        url=clean, schema=schema, tables={t: frozenset(c) for t, c in tables.items()}
    )


def open_input(location: str) -> Input:
    """The input a CLI argument names: a folder, a DuckDB file or a PostgreSQL URL."""
    if location.startswith(("postgresql:", "postgresql+psycopg:", "postgres:")):
        return _postgres(location)
    path = Path(location).expanduser()
    if not path.exists():
        raise InputError(f"{location} does not exist", field="PATH")
    if path.is_dir():
        return _folder(path)
    if path.suffix.lower() in (".duckdb", ".db", ".ddb"):
        return _duckdb_file(path)
    raise InputError(
        f"{location} is not a folder of Parquet or CSV files, a .duckdb file or a "
        "postgresql:// URL",
        field="PATH",
    )
