"""Run a screening: open the input, build the plan, run it on an engine, summarise."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pyarrow.compute as pc

from myorelax.screening.engines import DuckDBEngine, Engine, EngineName, SparkEngine
from myorelax.screening.inputs import FolderInput, Input, open_input
from myorelax.screening.patterns import ScreeningKnowledge, default_screening_knowledge
from myorelax.screening.results import Screening, ScreeningResult, person_table, summarise
from myorelax.screening.sql import STATE_TABLE, TABLES, ScreeningOptions, build_plan

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

# progress(description, steps done, steps in all)
Progress = Callable[[str, int, int], None]


def run_screening(
    source: Input,
    engine: Engine,
    knowledge: ScreeningKnowledge,
    options: ScreeningOptions | None = None,
    progress: Progress | None = None,
) -> Screening:
    """Screen `source` on `engine` (which the caller closes)."""
    options = options or ScreeningOptions()
    started = time.perf_counter()
    report = progress or (lambda _d, _n, _t: None)
    report(f"reading {source.describe()}", 0, 1)
    source.load_into(engine)
    inventory = {t: engine.columns(t) for t in TABLES if _has(source, t)}
    plan = build_plan(knowledge, inventory, engine.dialect, options)
    total = 1 + len(plan.aux) + len(plan.steps) + len(plan.patterns) + 1
    done = 1
    for aux in plan.aux:
        engine.put_aux(aux)
        done += 1
    for step in plan.steps:
        report(f"building {step.name.removeprefix('mrx_')}", done, total)
        engine.materialize(step.name, step.sql, step.reads)
        done += 1
    tables = {}
    if engine.batch_patterns:
        report(f"{len(plan.patterns)} patterns", done, total)
        both = engine.fetch(plan.all_patterns, "drug_exposure")
        for q in plan.patterns:
            rows = both.filter(pc.equal(both.column("code"), q.code)).drop_columns(["code"])
            tables[q.code] = person_table(q.code, rows)
        done += len(plan.patterns)
    for q in plan.patterns if not engine.batch_patterns else ():
        report(f"pattern {q.code}", done, total)
        tables[q.code] = person_table(q.code, engine.fetch(q.sql, "drug_exposure"))
        done += 1
    report("counting rows", done, total)
    rows = int(engine.fetch(plan.count_rows, "drug_exposure").column(0)[0].as_py())
    matched = int(engine.fetch(plan.count_matched, "drug_exposure").column(0)[0].as_py())
    notes = {
        p.code: f"no {STATE_TABLE[s]} table in the input: this pattern cannot be found"
        for p in knowledge.patterns
        for s in p.sets
        if s in STATE_TABLE and STATE_TABLE[s] not in inventory
    }
    summaries, by_age_sex, persons = summarise(knowledge.patterns, tables, notes)
    th = knowledge.thresholds
    result = ScreeningResult(
        engine=engine.name,
        input=source.describe(),
        knowledge_version=knowledge.knowledge_version,
        grace_days=options.grace_days,
        rows_scanned=rows,
        rows_matched=matched,
        patterns=summaries,
        by_age_sex=by_age_sex,
        thresholds={
            "beers_age_years": th.beers_age_years,
            "egfr_below_ml_min": th.egfr_below_ml_min,
            "carisoprodol_max_days": th.carisoprodol_max_days,
        },
        notes=tuple(dict.fromkeys(notes.values())),
        elapsed_s=round(time.perf_counter() - started, 3),
    )
    report("done", total, total)
    return Screening(result=result, persons=persons)


def _has(source: Input, table: str) -> bool:
    present = source.files if isinstance(source, FolderInput) else source.tables
    return table in present


def screen(
    location: str | Input,
    *,
    engine: EngineName = "duckdb",
    patterns: Sequence[str] = (),
    options: ScreeningOptions | None = None,
    progress: Progress | None = None,
    knowledge: ScreeningKnowledge | None = None,
    spark: SparkSession | None = None,
    spark_master: str = "local[2]",
) -> Screening:
    """Screen the OMOP tables at `location` (a folder, a .duckdb file or a PostgreSQL URL)."""
    knowledge = (knowledge or default_screening_knowledge()).select(patterns)
    source = open_input(location) if isinstance(location, str) else location
    runner: Engine = (
        DuckDBEngine() if engine == "duckdb" else SparkEngine(spark, master=spark_master)
    )
    try:
        return run_screening(source, runner, knowledge, options, progress)
    finally:
        runner.close()
