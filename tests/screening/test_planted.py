"""Planted synthetic data: DuckDB finds exactly the planted people, from every kind of input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myorelax.screening.inputs import ArrowInput
from myorelax.screening.run import screen
from myorelax.screening.synthetic import PLANTED, SyntheticOmop, generate
from tests.screening.conftest import write_duckdb


def _check(result_patterns: tuple, planted: SyntheticOmop) -> None:  # type: ignore[type-arg]
    assert [p.code for p in result_patterns] == list(PLANTED)
    for p in result_patterns:
        expected = planted.truth[p.code].tolist()
        assert list(p.person_ids) == expected, p.code
        assert p.persons == len(expected) > 0


def test_parquet_folder_finds_exactly_the_planted_people(
    planted: SyntheticOmop, planted_dir: Path
) -> None:
    s = screen(str(planted_dir))
    _check(s.result.patterns, planted)
    assert s.result.rows_scanned == 25_000
    assert 0 < s.result.rows_matched < 25_000
    # Every pattern can be found (no "cannot be found" note); the other notes say what could
    # not be mapped (the synthetic data have concept-0 rows and no CONCEPT_ANCESTOR) and which
    # rules are not screened, which the result now always reports (audit of issue 4).
    assert not any("cannot be found" in n for n in s.result.notes)


def test_csv_folder_and_duckdb_file_and_arrow_give_the_same_answer(
    planted: SyntheticOmop, tmp_path: Path
) -> None:
    csv_dir = planted.write(tmp_path / "csv", fmt="csv")
    db = write_duckdb(planted.tables, tmp_path / "omop.duckdb")
    results = [screen(str(csv_dir)), screen(str(db)), screen(ArrowInput(planted.tables))]
    for r in results:
        _check(r.result.patterns, planted)
    assert results[0].persons.equals(results[1].persons)
    assert results[1].persons.equals(results[2].persons)


def test_rates_control_how_many_are_planted_and_the_seed_fixes_the_data() -> None:
    a = generate(4_000, 20_000, seed=3, rates={"MRX-DDI-001": 0.05})
    b = generate(4_000, 20_000, seed=3, rates={"MRX-DDI-001": 0.05})
    c = generate(4_000, 20_000, seed=4, rates={"MRX-DDI-001": 0.05})
    assert a.tables["drug_exposure"].equals(b.tables["drug_exposure"])
    assert not a.tables["drug_exposure"].equals(c.tables["drug_exposure"])
    assert a.tables["drug_exposure"].num_rows == 20_000
    assert 150 < len(a.truth["MRX-DDI-001"]) < 250  # 5 % of 4000, binomial spread
    assert all(len(a.truth[code]) == 0 for code in PLANTED if code != "MRX-DDI-001")
    assert np.isin(a.truth["MRX-DDI-001"], np.arange(1, 4_001)).all()
    r = screen(ArrowInput(a.tables))
    assert {p.code: p.persons for p in r.result.patterns} == {
        code: len(a.truth[code]) for code in PLANTED
    }


def test_a_pattern_can_be_chosen(planted: SyntheticOmop, planted_dir: Path) -> None:
    s = screen(str(planted_dir), patterns=["mrx-renal-001", "MRX-DDI-002"])
    assert [p.code for p in s.result.patterns] == ["MRX-RENAL-001", "MRX-DDI-002"]
    assert set(s.persons.column("code").to_pylist()) == {"MRX-RENAL-001", "MRX-DDI-002"}
    assert list(s.result.patterns[0].person_ids) == planted.truth["MRX-RENAL-001"].tolist()


def test_summary_by_age_band_and_sex_adds_up(planted_dir: Path) -> None:
    r = screen(str(planted_dir)).result
    for p in r.patterns:
        rows = [x for x in r.by_age_sex if x.code == p.code]
        assert sum(x.persons for x in rows) == p.persons
        assert sum(x.exposure_days for x in rows) == p.exposure_days
    beers = {x.age_band for x in r.by_age_sex if x.code == "MRX-BEERS-001"}
    assert beers <= {"65-74", "75-84", "85+"}
    planted_young = {x.age_band for x in r.by_age_sex if x.code == "MRX-DDI-001"}
    assert planted_young <= {"18-44", "45-64"}


def test_too_few_rows_for_the_planted_patterns_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        generate(1_000, 100, seed=1)


def test_the_generator_command_writes_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from myorelax.screening.synthetic import main

    main([str(tmp_path / "omop"), "--persons", "400", "--rows", "4000", "--seed", "5", "--csv"])
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'omop'}: 400 people")
    names = sorted(p.name for p in (tmp_path / "omop").iterdir())
    assert names == [
        "concept.csv", "condition_occurrence.csv", "drug_exposure.csv", "measurement.csv",
        "person.csv",
    ]  # fmt: skip
    assert screen(str(tmp_path / "omop")).result.rows_scanned == 4000
