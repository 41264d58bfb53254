"""Run a screening: open the input, build the plan, run it on an engine, summarise."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
    counts = engine.fetch(plan.count_rows, "drug_exposure").to_pylist()[0]
    hits = engine.fetch(plan.count_matched, "drug_exposure").to_pylist()[0]
    rows, matched = int(counts["n"]), int(hits["matched"])
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
        rows_concept_zero=int(counts["concept_zero"]),
        rows_matched_by_source=int(hits["by_source"]),
        concepts_missing=int(counts["concepts_missing"]),
        rows_concept_missing=int(counts["rows_concept_missing"]),
        rules_not_screened=knowledge.not_screened,
        ingredients_not_screened=knowledge.uncoded,
        notes=(
            *dict.fromkeys(notes.values()),
            *vocabulary_notes(inventory, counts, int(hits["by_source"])),
            *unscreened_note(knowledge.not_screened),
            *uncoded_note(knowledge.uncoded),
        ),
        elapsed_s=round(time.perf_counter() - started, 3),
    )
    report("done", total, total)
    return Screening(result=result, persons=persons)


def vocabulary_notes(
    inventory: Mapping[str, frozenset[str]], counts: Mapping[str, Any], by_source: int
) -> tuple[str, ...]:
    """What the vocabulary could not map, from the row counts (never silent)."""
    out = []
    if "concept" not in inventory:
        out.append(
            "no CONCEPT table: drug concepts are mapped only through the project's own code "
            "list (local concept ids 2,000,000,000 + RxCUI) and drug_source_value; a site's "
            "Athena concept ids are not recognised"
        )
    elif int(counts["ancestor_rows"]) == 0:
        what = "is empty" if "concept_ancestor" in inventory else "is absent"
        out.append(
            f"CONCEPT_ANCESTOR {what}: drug products are mapped to ingredients only through the "
            "project's own product code list (the medication resolver's RxNorm product index); "
            "products not in it are missed"
        )
    missing = int(counts["concepts_missing"])
    if missing:
        out.append(
            f"CONCEPT is partial: {missing:,} drug concept id(s) used by "
            f"{int(counts['rows_concept_missing']):,} drug_exposure row(s) are not in it and "
            "could not be mapped"
        )
    zero = int(counts["concept_zero"])
    if zero:
        out.append(
            f"{zero:,} drug_exposure row(s) have drug_concept_id 0 or none; {by_source:,} "
            "screened-ingredient match(es) came from drug_source_value (an RxNorm code), the "
            "rest of those rows could not be mapped"
        )
    return tuple(out)


def unscreened_note(codes: Sequence[str]) -> tuple[str, ...]:
    """The rules of the knowledge base this screening has no pattern for."""
    if not codes:
        return ()
    return (
        f"{len(codes)} rule(s) of the safety check are not screened (no pattern for them in "
        f"this screening): {', '.join(codes)}",
    )


def uncoded_note(ingredients: Sequence[str]) -> tuple[str, ...]:
    """The class members known by name only, left out of the drug sets (matched by code)."""
    if not ingredients:
        return ()
    return (
        f"{len(ingredients)} ingredient(s) of the knowledge base's drug classes have no "
        f"confirmed RxNorm code here and were not screened (the screening matches RxCUIs; the "
        f"safety check finds them by name): {'; '.join(ingredients)}",
    )


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
