"""DuckDB and Spark (PySpark, local mode) give identical results on the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.screening.inputs import ArrowInput
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from myorelax.screening.synthetic import SyntheticOmop
from tests.screening.omop import Omop, packaged_knowledge

# One worker runs both (pytest-xdist --dist loadgroup), so one local Spark session is started.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

SAME = {"engine", "elapsed_s"}


def test_spark_finds_the_planted_people_as_duckdb_does(
    spark: Any, planted: SyntheticOmop, planted_dir: Path
) -> None:
    on_duckdb = screen(str(planted_dir))
    on_spark = screen(str(planted_dir), engine="spark", spark=spark)
    assert on_spark.result.engine == "spark"
    assert on_spark.persons.equals(on_duckdb.persons)
    assert on_spark.result.model_dump(exclude=SAME) == on_duckdb.result.model_dump(exclude=SAME)
    for p in on_spark.result.patterns:
        assert list(p.person_ids) == planted.truth[p.code].tolist()


def test_spark_edge_cases_with_grace_and_missing_dates_match_duckdb(spark: Any) -> None:
    o = Omop().person(1).person(2, birth="1956-02-29").person(3, sex=None)
    o.drug(1, "carisoprodol", "2022-03-01", supply=12, by="source")
    o.drug(1, "carisoprodol", "2022-03-15", end="2022-03-30")
    o.drug(1, "oxycodone", "2022-03-18")  # one day, to 03-20 with the grace period
    o.drug(1, "alprazolam", "2022-03-20", end="2022-03-10")
    o.drug(2, "metaxalone", "2021-02-20", supply=20)
    o.drug(2, "oxycodone", "2021-03-05", supply=3)
    o.creatinine(3, "2021-06-01", 4.5).egfr(3, "2021-07-10", 70)
    o.drug(3, "baclofen", "2021-07-01", supply=30).condition(3, "2021-07-20", source="N18.6")
    # Creatinine in umol/L spelt with the micro sign (upper-cased by each engine's UPPER)
    o.person(4).creatinine(4, "2021-06-01", 400, unit="\u00b5mol/L", loinc="14682-9")
    o.drug(4, "baclofen", "2021-07-01", supply=30)
    options = ScreeningOptions(grace_days=2)
    knowledge = packaged_knowledge()
    a = screen(ArrowInput(o.tables()), options=options, knowledge=knowledge)
    b = screen(ArrowInput(o.tables()), engine="spark", spark=spark, options=options,
               knowledge=knowledge)  # fmt: skip
    assert b.persons.equals(a.persons)
    assert b.result.model_dump(exclude=SAME) == a.result.model_dump(exclude=SAME)
    assert set(a.persons.column("code").to_pylist()) == {
        "MRX-DUR-001",
        "MRX-DDI-003",
        "MRX-DDI-004",
        "MRX-BEERS-001",
        "MRX-RENAL-001",
        "MRX-RENAL-002",
    }
    renal = [r["person_id"] for r in a.persons.to_pylist() if r["code"] == "MRX-RENAL-001"]
    assert renal == [3, 4]
