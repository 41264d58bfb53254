"""Benchmark: population screening of synthetic OMOP data, DuckDB beside PostgreSQL and pandas.

The workload of issue 9: 10 million drug_exposure rows (500,000 people, the generator's planted
patterns, a third of the exposures without end dates), with person, measurement,
condition_occurrence and concept tables, all nine patterns.

Side by side, each on the same Parquet files and checked to give the same people:
- myorelax on DuckDB: the generated SQL reading the Parquet files in place (no load step);
- the same generated SQL inside PostgreSQL (127.0.0.1:5432, database `test`, a private schema
  dropped afterwards): the tables loaded with COPY, primary keys and indexes on the join and
  partition columns, ANALYZE, work_mem raised for the session; load time reported apart from
  query time;
- pandas: an independent implementation of the same patterns (merges, group-wise cumulative
  maximum for eras, a sweep with cumulative sums), reading the same Parquet files.

Each is repeated and the median reported, with rows per second and the ratios.

    .venv/bin/python bench/bench_screening.py [--rows 10000000] [--repeat 3] [--pg-repeat 1]
        [--no-postgres] [--no-pandas] [--keep DIR | --data DIR]

`--rows 100000000` generates the data in chunks of 10 million rows (a folder of Parquet parts per
table) and runs DuckDB only.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from myorelax.clinical.renal import CREATININE_MG_DL_PER_UNIT
from myorelax.screening.concepts import normalize_code
from myorelax.screening.engines import DuckDBEngine, PostgresEngine
from myorelax.screening.inputs import open_input
from myorelax.screening.patterns import (
    AGE_STATE,
    DIALYSIS_STATE,
    EGFR_STATE,
    ScreeningKnowledge,
    default_screening_knowledge,
)
from myorelax.screening.run import run_screening
from myorelax.screening.sql import (
    CKD_EPI_2021_AGE_BASE,
    CKD_EPI_2021_SCALE,
    CKD_EPI_2021_SEX,
    CKD_EPI_2021_UPPER_EXPONENT,
    FOREVER,
    Plan,
    build_plan,
)
from myorelax.screening.synthetic import generate

PG_URL = os.environ.get("MYORELAX_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHUNK = 10_000_000
ROWS_PER_PERSON = 20
EPOCH = np.datetime64("1970-01-01", "D")


def make_data(rows: int, folder: Path) -> float:
    """Write the synthetic tables (in 10-million-row chunks past that size); seconds taken."""
    started = time.perf_counter()
    chunks = max(1, -(-rows // CHUNK))
    for k in range(chunks):
        n = min(CHUNK, rows - k * CHUNK)
        data = generate(max(1, n // ROWS_PER_PERSON), n, seed=2026 + k)
        offset = k * (CHUNK // ROWS_PER_PERSON)
        for name, table in data.tables.items():
            if name == "concept" and k:
                continue
            if "person_id" in table.column_names and offset:
                i = table.column_names.index("person_id")
                table = table.set_column(i, "person_id", pc.add(table.column(i), offset))
            target = (
                folder / name / f"part-{k:03d}.parquet"
                if chunks > 1
                else folder / f"{name}.parquet"
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target)
        del data
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def people(persons: pa.Table) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for code, pid, days in zip(
        persons.column("code").to_pylist(),
        persons.column("person_id").to_pylist(),
        persons.column("exposure_days").to_pylist(),
        strict=True,
    ):
        out.setdefault(code, []).append(pid * 100_000 + days)
    return {c: tuple(sorted(v)) for c, v in out.items()}


def scan_floor(folder: Path) -> int:
    """The physical floor: one DuckDB pass over every drug_exposure column the screening
    reads (each value touched), with no join, era or pattern work."""
    import duckdb

    source = folder / "drug_exposure.parquet"
    files = [source] if source.exists() else sorted((folder / "drug_exposure").glob("*.parquet"))
    paths = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    con = duckdb.connect(":memory:")
    try:
        row = con.execute(
            "SELECT COUNT(*), SUM(person_id), SUM(drug_concept_id), "
            "MAX(drug_exposure_start_date), MAX(drug_exposure_end_date), SUM(days_supply), "
            f"MAX(drug_source_value) FROM read_parquet({paths})"
        ).fetchall()[0]
    finally:
        con.close()
    return int(row[0])


# --- PostgreSQL ----------------------------------------------------------------------------

_PG_TYPES = {
    "int64": "BIGINT",
    "int32": "INTEGER",
    "date32[day]": "DATE",
    "double": "DOUBLE PRECISION",
    "string": "TEXT",
    "large_string": "TEXT",
}
_INDEXES = {
    "person": ["ALTER TABLE {t} ADD PRIMARY KEY (person_id)"],
    "drug_exposure": ["CREATE INDEX ON {t} (drug_concept_id)", "CREATE INDEX ON {t} (person_id)"],
    "measurement": ["CREATE INDEX ON {t} (person_id, measurement_date)"],
    "condition_occurrence": ["CREATE INDEX ON {t} (person_id)"],
    "concept": [
        "ALTER TABLE {t} ADD PRIMARY KEY (concept_id)",
        "CREATE INDEX ON {t} (vocabulary_id, concept_code)",
    ],
}


def pg_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute(b"SELECT 1")
        return True
    except psycopg.Error:
        return False


def pg_load(conn: Any, schema: str, folder: Path) -> float:
    """COPY every table from the Parquet files (as CSV streamed batch by batch), then indexes
    and ANALYZE; seconds taken."""
    started = time.perf_counter()
    for name in ("person", "drug_exposure", "measurement", "condition_occurrence", "concept"):
        source = folder / f"{name}.parquet"
        files = [source] if source.exists() else sorted((folder / name).glob("*.parquet"))
        schema_pa = pq.read_schema(files[0])
        cols = ", ".join(f"{f.name} {_PG_TYPES[str(f.type)]}" for f in schema_pa)
        table = f'"{schema}".{name}'
        conn.execute(f"CREATE UNLOGGED TABLE {table} ({cols})".encode())
        copy = f"COPY {table} FROM STDIN WITH (FORMAT csv)"
        no_header = pacsv.WriteOptions(include_header=False)
        with conn.cursor() as cur, cur.copy(copy.encode()) as cp:
            for f in files:
                for batch in pq.ParquetFile(f).iter_batches(batch_size=1_000_000):
                    buf = io.BytesIO()
                    pacsv.write_csv(pa.Table.from_batches([batch]), buf, no_header)
                    cp.write(buf.getvalue())
        for stmt in _INDEXES[name]:
            conn.execute(stmt.format(t=table).encode())
        conn.execute(f"ANALYZE {table}".encode())
    return time.perf_counter() - started


# --- pandas ----------------------------------------------------------------------------------


def _days(s: pd.Series) -> np.ndarray:  # type: ignore[type-arg]
    """Day numbers as float, NaN where the date is missing."""
    d = pd.to_datetime(s).to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(d), np.nan, (d - EPOCH).astype("int64").astype("float64"))


def pandas_screen(
    folder: Path, plan: Plan, knowledge: ScreeningKnowledge
) -> dict[str, pd.DataFrame]:
    """The patterns in pandas, independently of the SQL (same inputs, same definitions)."""
    code = pd.DataFrame(list(plan.aux[0].rows), columns=[c for c, _ in plan.aux[0].columns])
    members = pd.DataFrame([r[:2] for r in plan.aux[2].rows], columns=["ingredient_code", "set_id"])
    concept = pd.read_parquet(
        folder / "concept.parquet", columns=["concept_id", "vocabulary_id", "concept_code"]
    )
    concept["concept_code"] = concept["concept_code"].map(normalize_code)
    cmap = concept.merge(code, on=["vocabulary_id", "concept_code"])[
        ["concept_id", "kind", "ingredient_code"]
    ]

    person = pd.read_parquet(folder / "person.parquet")
    birth = pd.to_datetime(
        {
            "year": person.year_of_birth,
            "month": person.month_of_birth.fillna(1),
            "day": person.day_of_birth.fillna(1),
        }
    )
    person["birth_day"] = (birth.to_numpy().astype("datetime64[D]") - EPOCH).astype("int64")
    age = knowledge.thresholds.beers_age_years
    day65 = person.day_of_birth.where(
        ~((person.month_of_birth == 2) & (person.day_of_birth == 29)), 28
    )
    b65 = pd.to_datetime(
        {
            "year": person.year_of_birth + age,
            "month": person.month_of_birth.fillna(1),
            "day": day65.fillna(1),
        }
    )
    person["age_day"] = (b65.to_numpy().astype("datetime64[D]") - EPOCH).astype("int64")
    person["sex"] = person.gender_concept_id.map({8532: "female", 8507: "male"}).fillna("unknown")

    de = pd.read_parquet(
        folder / "drug_exposure.parquet",
        columns=[
            "person_id",
            "drug_concept_id",
            "drug_exposure_start_date",
            "drug_exposure_end_date",
            "days_supply",
            "drug_source_value",
        ],
    )
    drugs = cmap[cmap.kind == "drug"][["concept_id", "ingredient_code"]]
    by_concept = de.merge(drugs, left_on="drug_concept_id", right_on="concept_id")
    rest = de[~de.drug_concept_id.isin(drugs.concept_id)]
    src = code[code.kind == "drug"][["concept_code", "ingredient_code"]]
    by_source = rest.assign(concept_code=rest.drug_source_value.str.strip()).merge(
        src, on="concept_code"
    )
    e = pd.concat([by_concept, by_source], ignore_index=True)
    start = _days(e.drug_exposure_start_date)
    end = _days(e.drug_exposure_end_date)
    supply = e.days_supply.to_numpy(dtype="float64", na_value=np.nan)
    end = np.where(np.isnan(end), np.where(supply > 0, start + supply - 1, start), end)
    exp = pd.DataFrame(
        {
            "person_id": e.person_id.to_numpy(),
            "ingredient_code": e.ingredient_code,
            "start_day": start.astype("int64"),
            "end_day": np.maximum(start, end).astype("int64"),
        }
    )
    grace = 0
    rows = exp.merge(members, on="ingredient_code")
    rows["cover_end"] = rows.end_day + grace
    parts = [rows[["person_id", "set_id", "start_day", "end_day", "cover_end"]]]
    ids = plan.set_ids
    if AGE_STATE in ids:
        parts.append(
            pd.DataFrame(
                {
                    "person_id": person.person_id,
                    "set_id": ids[AGE_STATE],
                    "start_day": person.age_day,
                    "end_day": FOREVER,
                    "cover_end": FOREVER,
                }
            )
        )
    if EGFR_STATE in ids:
        m = pd.read_parquet(folder / "measurement.parquet")
        m = m.assign(source=m.measurement_source_value.str.strip().str.upper())
        kinds = code[code.kind.isin(["egfr", "creatinine"])][["concept_code", "kind"]]
        m = m.merge(
            cmap[cmap.kind.isin(["egfr", "creatinine"])][["concept_id", "kind"]],
            how="left",
            left_on="measurement_concept_id",
            right_on="concept_id",
        )
        m = m.merge(
            kinds.rename(columns={"kind": "kind2"}),
            how="left",
            left_on="source",
            right_on="concept_code",
        )
        m["kind"] = m.kind.fillna(m.kind2)
        m["day"] = _days(m.measurement_date).astype("int64")
        m = m[m.value_as_number.notna()]
        eg = m[m.kind == "egfr"][["person_id", "day", "value_as_number"]].rename(
            columns={"value_as_number": "egfr"}
        )
        per_unit = CREATININE_MG_DL_PER_UNIT
        factor = m.unit_source_value.str.strip().str.replace(" ", "").str.lower().map(per_unit)
        factor = factor.where(
            ~m.unit_concept_id.isin(set(cmap[cmap.kind == "unit_mg_dl"].concept_id)),
            per_unit["mg/dl"],
        ).where(
            ~m.unit_concept_id.isin(set(cmap[cmap.kind == "unit_umol_l"].concept_id)),
            per_unit["umol/l"],
        )
        m["scr"] = m.value_as_number * factor
        cr = m[(m.kind == "creatinine") & (m.scr > 0)].merge(
            person[["person_id", "birth_day", "sex"]], on="person_id"
        )
        # CKD-EPI is an adult equation: from the knowledge's adult age, as in the SQL.
        cr = cr[(cr.day - cr.birth_day) / 365.25 >= knowledge.thresholds.adult_from_age_years]
        ages = (cr.day - cr.birth_day) / 365.25
        est = {}
        for sex, (kappa, alpha, factor) in CKD_EPI_2021_SEX.items():
            ratio = cr.scr / kappa
            est[sex] = (
                CKD_EPI_2021_SCALE
                * np.minimum(ratio, 1) ** alpha
                * np.maximum(ratio, 1) ** CKD_EPI_2021_UPPER_EXPONENT
                * CKD_EPI_2021_AGE_BASE**ages
                * factor
            )
        val = np.where(
            cr.sex == "female",
            est["female"],
            np.where(cr.sex == "male", est["male"], np.minimum(est["female"], est["male"])),
        )
        k = pd.concat([eg, pd.DataFrame({"person_id": cr.person_id, "day": cr.day, "egfr": val})])
        k = (
            k.groupby(["person_id", "day"], as_index=False)
            .egfr.min()
            .sort_values(["person_id", "day"])
        )
        nxt = k.groupby("person_id").day.shift(-1)
        low = k[k.egfr < knowledge.thresholds.egfr_below_ml_min]
        endk = (nxt[low.index] - 1).fillna(FOREVER).astype("int64")
        parts.append(
            pd.DataFrame(
                {
                    "person_id": low.person_id,
                    "set_id": ids[EGFR_STATE],
                    "start_day": low.day,
                    "end_day": endk,
                    "cover_end": endk,
                }
            )
        )
    if DIALYSIS_STATE in ids:
        c = pd.read_parquet(folder / "condition_occurrence.parquet")
        dia_ids = set(cmap[cmap.kind == "dialysis"].concept_id)
        dia_codes = set(code[code.kind == "dialysis"].concept_code)
        norm = c.condition_source_value.str.strip().str.replace(".", "", regex=False).str.upper()
        c = c[c.condition_concept_id.isin(dia_ids) | norm.isin(dia_codes)]
        s = _days(c.condition_start_date).astype("int64")
        en = np.maximum(s, np.nan_to_num(_days(c.condition_end_date), nan=FOREVER)).astype("int64")
        parts.append(
            pd.DataFrame(
                {
                    "person_id": c.person_id,
                    "set_id": ids[DIALYSIS_STATE],
                    "start_day": s,
                    "end_day": en,
                    "cover_end": en,
                }
            )
        )
    r = pd.concat(parts, ignore_index=True).sort_values(
        ["person_id", "set_id", "start_day", "cover_end"]
    )
    prev = r.groupby(["person_id", "set_id"]).cover_end.cummax()
    prev = prev.groupby([r.person_id, r.set_id]).shift(1)
    r["grp"] = (prev.isna() | (r.start_day > prev + 1)).astype("int64").cumsum()
    era = r.groupby("grp").agg(
        person_id=("person_id", "first"),
        set_id=("set_id", "first"),
        start_day=("start_day", "min"),
        end_day=("end_day", "max"),
        cover_end=("cover_end", "max"),
    )

    out: dict[str, pd.DataFrame] = {}
    for p in knowledge.patterns:
        if p.kind == "distinct":
            res = _pandas_distinct(p, knowledge, exp, person, grace)
            out[p.code] = res.astype("int64").rename("exposure_days").reset_index()
            continue
        sid = [ids[s] for s in p.sets]
        e2 = era[era.set_id.isin(sid)]
        if p.kind == "long_course":
            long = e2[e2.end_day - e2.start_day + 1 > (p.longer_than_days or 0)]
            res = long.assign(d=long.end_day - long.start_day + 1).groupby("person_id").d.sum()
        else:
            n = e2.groupby("person_id").set_id.nunique()
            e2 = e2[e2.person_id.isin(n[n >= p.min_active + len(p.required)].index)]
            # Three running counts, as the pattern defines them: sets counted towards
            # min_active, required sets (all on), and sets of which one must be on.
            counted = e2.set_id.isin([ids[s] for s in p.counted]).astype("int64")
            req = e2.set_id.isin([ids[s] for s in p.required]).astype("int64")
            one = e2.set_id.isin([ids[s] for s in p.one_of]).astype("int64")
            ev = pd.concat(
                [
                    pd.DataFrame({"person_id": e2.person_id, "day": e2.start_day,
                                  "d": counted, "r": req, "o": one}),
                    pd.DataFrame({"person_id": e2.person_id, "day": e2.cover_end + 1,
                                  "d": -counted, "r": -req, "o": -one}),
                ]
            )  # fmt: skip
            ev = ev.groupby(["person_id", "day"], as_index=False)[["d", "r", "o"]].sum()
            ev["active"] = ev.groupby("person_id").d.cumsum()
            ev["req_on"] = ev.groupby("person_id").r.cumsum()
            ev["one_on"] = ev.groupby("person_id").o.cumsum()
            ev["next_day"] = ev.groupby("person_id").day.shift(-1)
            keep = (ev.active >= p.min_active) & (ev.req_on >= len(p.required))
            if p.one_of:
                keep &= ev.one_on >= 1
            seg = ev[keep]
            res = (seg.next_day - seg.day).groupby(seg.person_id).sum()
        out[p.code] = res.astype("int64").rename("exposure_days").reset_index()
    return out


def _pandas_distinct(
    p: Any, knowledge: ScreeningKnowledge, exp: pd.DataFrame, person: pd.DataFrame, grace: int
) -> pd.Series:  # type: ignore[type-arg]
    """Days with at least `min_active` different ingredients of the pattern's drug set (on or
    after the age day when the age is required): eras per person and ingredient, then a
    running count."""
    (key,) = [s for s in p.sets if s in knowledge.drug_sets]
    codes = {int(c) for c in knowledge.drug_sets[key].rxcuis}
    x = exp[exp.ingredient_code.isin(codes)].assign(cover_end=lambda d: d.end_day + grace)
    x = x.sort_values(["person_id", "ingredient_code", "start_day", "cover_end"])
    prev = x.groupby(["person_id", "ingredient_code"]).cover_end.cummax()
    prev = prev.groupby([x.person_id, x.ingredient_code]).shift(1)
    x = x.assign(grp=(prev.isna() | (x.start_day > prev + 1)).astype("int64").cumsum())
    era = x.groupby("grp").agg(
        person_id=("person_id", "first"),
        start_day=("start_day", "min"),
        cover_end=("cover_end", "max"),
    )
    ev = pd.concat(
        [
            pd.DataFrame({"person_id": era.person_id, "day": era.start_day, "d": 1}),
            pd.DataFrame({"person_id": era.person_id, "day": era.cover_end + 1, "d": -1}),
        ]
    )
    ev = ev.groupby(["person_id", "day"], as_index=False).d.sum()
    ev["active"] = ev.groupby("person_id").d.cumsum()
    ev["next_day"] = ev.groupby("person_id").day.shift(-1)
    if AGE_STATE in p.required:
        ev = ev.merge(person[["person_id", "age_day"]], on="person_id")
        ev["day"] = np.maximum(ev.day, ev.age_day)
    seg = ev[(ev.active >= p.min_active) & (ev.next_day > ev.day)]
    return (seg.next_day - seg.day).groupby(seg.person_id).sum()


def pandas_people(out: dict[str, pd.DataFrame]) -> dict[str, tuple[int, ...]]:
    return {
        c: tuple(sorted((df.person_id * 100_000 + df.exposure_days).tolist()))
        for c, df in out.items()
        if len(df)
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg-repeat", type=int, default=1)
    ap.add_argument("--pandas-repeat", type=int, default=1)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-pandas", action="store_true")
    ap.add_argument("--keep", type=Path, help="write the data here and keep it")
    ap.add_argument(
        "--data",
        type=Path,
        help="use the data already written to this folder by --keep with the same --rows "
        "(to compare two versions on the same files)",
    )
    args = ap.parse_args()
    big = args.rows > CHUNK
    knowledge = default_screening_knowledge()
    folder = args.data or args.keep or Path(tempfile.mkdtemp(prefix="mrx-bench-"))
    try:
        if args.data is None:
            secs = make_data(args.rows, folder)
            made = f"generated and written as Parquet in {secs:.1f} s"
        else:
            made = "read from the folder given"
        print(
            f"data: {args.rows:,} drug_exposure rows, {args.rows // ROWS_PER_PERSON:,} people, "
            f"{made} ({folder})"
        )

        def on_duckdb() -> Any:
            engine = DuckDBEngine()
            try:
                return run_screening(open_input(str(folder)), engine, knowledge)
            finally:
                engine.close()

        times, duck = timed(on_duckdb, args.repeat)
        d_med = statistics.median(times)
        rows = duck.result.rows_scanned
        print(
            f"DuckDB     all {len(knowledge.patterns)} patterns: median {d_med:.2f} s "
            f"(runs {', '.join(f'{t:.2f}' for t in times)}), {rows / d_med / 1e6:.1f} M rows/s; "
            f"{duck.result.rows_matched:,} screened exposures, "
            f"{duck.persons.num_rows:,} person-pattern rows"
        )
        for p in duck.result.patterns:
            print(f"  {p.code:<14} {p.persons:>8,} people {p.exposure_days:>12,} exposure-days")
        ref = people(duck.persons)
        floor_times, _ = timed(lambda: scan_floor(folder), args.repeat)
        f_med = statistics.median(floor_times)
        print(
            f"floor      DuckDB reading the drug_exposure columns the patterns use: median "
            f"{f_med:.2f} s, {rows / f_med / 1e6:.0f} M rows/s; the screening takes "
            f"{d_med / f_med:.1f}x the scan"
        )

        if not args.no_postgres and not big and not pg_reachable():
            print(f"PostgreSQL not reachable at {PG_URL}: skipped")
        elif not args.no_postgres and not big:
            import psycopg

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"'.encode())
                try:
                    load = pg_load(conn, schema, folder)
                    conn.execute(b"SET work_mem = '512MB'")
                    conn.execute(f'SET search_path = "{schema}"'.encode())
                    source = open_input(f"{PG_URL}?schema={schema}")

                    def on_pg() -> Any:
                        return run_screening(source, PostgresEngine(conn), knowledge)

                    ptimes, pg_res = timed(on_pg, args.pg_repeat)
                finally:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE'.encode())
            p_med = statistics.median(ptimes)
            same = people(pg_res.persons) == ref
            print(
                f"PostgreSQL load (COPY, indexes, ANALYZE): {load:.1f} s; query median "
                f"{p_med:.2f} s (runs {', '.join(f'{t:.2f}' for t in ptimes)}), "
                f"{rows / p_med / 1e6:.2f} M rows/s; DuckDB {p_med / d_med:.1f}x faster "
                f"({(p_med + load) / d_med:.1f}x with the load); same people: {same}"
            )

        if not args.no_pandas and not big:
            inventory = {
                t: frozenset(pq.read_schema(folder / f"{t}.parquet").names)
                for t in (
                    "person",
                    "drug_exposure",
                    "measurement",
                    "condition_occurrence",
                    "concept",
                )
            }
            plan = build_plan(knowledge, inventory, DuckDBEngine.dialect)
            ptimes2, out = timed(lambda: pandas_screen(folder, plan, knowledge), args.pandas_repeat)
            m = statistics.median(ptimes2)
            same = pandas_people(out) == ref
            print(
                f"pandas     query median {m:.2f} s (runs {', '.join(f'{t:.2f}' for t in ptimes2)}), "
                f"{rows / m / 1e6:.2f} M rows/s; DuckDB {m / d_med:.1f}x faster; "
                f"same people: {same}"
            )
    finally:
        if args.keep is None and args.data is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
