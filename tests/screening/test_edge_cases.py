"""Edge cases on hand-made tables: touching exposures, missing end dates, days supply, unknown
concepts, vocabulary tables, kidney values in time, dialysis, birthdays, bad input."""

from __future__ import annotations

import pyarrow as pa
import pytest

from myorelax.errors import InputError
from myorelax.screening.inputs import ArrowInput
from myorelax.screening.results import Screening
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from tests.screening.omop import Omop, day_number, days, packaged_knowledge, rxcui


def run(o: Omop | dict[str, pa.Table], *codes: str, grace: int = 0) -> Screening:
    tables = o.tables() if isinstance(o, Omop) else o
    return screen(ArrowInput(tables), patterns=codes, knowledge=packaged_knowledge(),
                  options=ScreeningOptions(grace_days=grace))  # fmt: skip


def found(s: Screening, code: str) -> dict[int, tuple[int, int, int]]:
    """person -> (first day number, last day number, exposure days)."""
    rows = s.persons.filter(pa.compute.equal(s.persons.column("code"), code)).to_pylist()
    return {
        r["person_id"]: (
            day_number(r["first_date"]),
            day_number(r["last_date"]),
            r["exposure_days"],
        )
        for r in rows
    }


def test_refills_touching_end_to_start_join_into_one_course() -> None:
    o = Omop().person(1).person(2)
    o.drug(1, "carisoprodol", "2022-03-01", end="2022-03-14")
    o.drug(1, "carisoprodol", "2022-03-15", end="2022-03-22")  # 22 days in all
    o.drug(2, "carisoprodol", "2022-03-01", end="2022-03-14")
    o.drug(2, "carisoprodol", "2022-03-15", end="2022-03-21")  # 21 days: at the limit
    got = found(run(o, "MRX-DUR-001"), "MRX-DUR-001")
    assert got == {1: (day_number_of("2022-03-01"), day_number_of("2022-03-22"), 22)}


def day_number_of(text: str) -> int:
    return min(days(text, text))


def test_a_gap_splits_a_course_unless_the_grace_period_bridges_it() -> None:
    o = Omop().person(1)
    o.drug(1, "carisoprodol", "2022-03-01", supply=12)  # to 03-12
    o.drug(1, "carisoprodol", "2022-03-15", supply=12)  # 03-13 and 03-14 uncovered
    assert found(run(o, "MRX-DUR-001"), "MRX-DUR-001") == {}
    assert found(run(o, "MRX-DUR-001", grace=1), "MRX-DUR-001") == {}
    # Bridged, the course runs 03-01 to 03-26 (26 days, the gap counted as in the course).
    assert found(run(o, "MRX-DUR-001", grace=2), "MRX-DUR-001") == {
        1: (day_number_of("2022-03-01"), day_number_of("2022-03-26"), 26)
    }


def test_different_drugs_touching_end_to_start_do_not_overlap_without_grace() -> None:
    o = Omop().person(1)
    o.drug(1, "oxycodone", "2022-05-01", end="2022-05-10")
    o.drug(1, "methocarbamol", "2022-05-11", end="2022-05-20")
    assert found(run(o, "MRX-DDI-003"), "MRX-DDI-003") == {}
    # With one day of grace the opioid covers 05-11: one day together.
    assert found(run(o, "MRX-DDI-003", grace=1), "MRX-DDI-003") == {
        1: (day_number_of("2022-05-11"), day_number_of("2022-05-11"), 1)
    }


def test_end_date_days_supply_or_neither() -> None:
    o = Omop().person(1).person(2).person(3).person(4)
    # days supply without end date: 10 days from 06-01 is 06-01..06-10
    o.drug(1, "tizanidine", "2022-06-01", supply=10)
    o.drug(1, "ciprofloxacin", "2022-06-10", end="2022-06-16")
    # neither end date nor days supply: the start day only
    o.drug(2, "tizanidine", "2022-06-01")
    o.drug(2, "ciprofloxacin", "2022-06-01", supply=7)
    o.drug(3, "tizanidine", "2022-06-01")
    o.drug(3, "ciprofloxacin", "2022-06-02", supply=7)
    # an end date before the start is read as the start day; the end date wins over supply
    o.drug(4, "tizanidine", "2022-06-05", end="2022-06-01", supply=30)
    o.drug(4, "fluvoxamine", "2022-06-05", end="2022-06-05")
    got = found(run(o, "MRX-DDI-001"), "MRX-DDI-001")
    assert got == {
        1: (day_number_of("2022-06-10"), day_number_of("2022-06-10"), 1),
        2: (day_number_of("2022-06-01"), day_number_of("2022-06-01"), 1),
        4: (day_number_of("2022-06-05"), day_number_of("2022-06-05"), 1),
    }


def test_unknown_concepts_are_ignored_and_source_values_map_by_rxnorm_code() -> None:
    o = Omop().person(1).person(2)
    o.drug(1, "cyclobenzaprine", "2022-01-01", supply=10, by="source")
    o.drug(1, "phenelzine", "2022-01-05", supply=10, by="source")
    o.drug(2, "cyclobenzaprine", "2022-01-01", supply=10)
    o.drug(2, None, "2022-01-01", supply=10, concept=2_090_000_123)  # not in any map
    o.drug(2, None, "2022-01-01", supply=10, concept=0)
    s = run(o)
    assert found(s, "MRX-DDI-002") == {
        1: (day_number_of("2022-01-05"), day_number_of("2022-01-10"), 6)
    }
    assert s.result.rows_scanned == 5
    assert s.result.rows_matched == 3


def test_a_site_concept_table_and_concept_ancestor_map_products_to_ingredients() -> None:
    o = Omop().person(1)
    o.drug(1, None, "2022-02-01", supply=14, concept=40_000_001)  # a carisoprodol product
    o.drug(1, None, "2022-02-01", supply=14, concept=40_000_002)  # an oxycodone ingredient
    o.drug(1, None, "2022-02-03", supply=14, concept=40_000_003)  # an alprazolam product
    tables = o.tables()
    tables["concept"] = pa.table(
        {
            "concept_id": pa.array([40_000_010, 40_000_002, 40_000_011, 40_000_003], pa.int64()),
            "vocabulary_id": ["RxNorm", "RxNorm", "RxNorm", "RxNorm"],
            "concept_code": [
                str(rxcui("carisoprodol")),
                str(rxcui("oxycodone")),
                str(rxcui("alprazolam")),
                "308047",
            ],
        }
    )
    tables["concept_ancestor"] = pa.table(
        {
            "ancestor_concept_id": pa.array([40_000_010, 40_000_011], pa.int64()),
            "descendant_concept_id": pa.array([40_000_001, 40_000_003], pa.int64()),
        }
    )
    s = run(tables, "MRX-DDI-004")
    assert found(s, "MRX-DDI-004") == {
        1: (day_number_of("2022-02-03"), day_number_of("2022-02-14"), 12)
    }
    # Without the vocabulary the site ids mean nothing (and the shipped local ids are not used
    # when a CONCEPT table is present).
    del tables["concept"], tables["concept_ancestor"]
    assert found(run(tables, "MRX-DDI-004"), "MRX-DDI-004") == {}


def test_the_latest_kidney_value_decides() -> None:
    o = Omop().person(1).person(2).person(3).person(4, sex=None).person(5).person(6).person(7)
    # 1: low eGFR replaced by a normal one before baclofen: not flagged
    o.egfr(1, "2021-01-01", 20).egfr(1, "2021-06-01", 75)
    o.drug(1, "baclofen", "2021-07-01", supply=30)
    # 2: normal, then low during the course: flagged from the low value on
    o.egfr(2, "2021-01-01", 80).egfr(2, "2021-07-11", 25)
    o.drug(2, "baclofen", "2021-07-01", supply=30)
    # 3: creatinine 4.5 mg/dL at 51 (CKD-EPI 2021 about 10): flagged
    o.creatinine(3, "2021-06-01", 4.5)
    o.drug(3, "baclofen", "2021-07-01", supply=30)
    # 4: 400 umol/L (4.52 mg/dL), sex unknown (the lower of the two estimates): flagged
    o.creatinine(4, "2021-06-01", 400, unit="umol/L", loinc="14682-9")
    o.drug(4, "baclofen", "2021-07-01", supply=30)
    # 6: 90 umol/L is 1.02 mg/dL (eGFR about 66), not 90 mg/dL: not flagged
    o.creatinine(6, "2021-06-01", 90, unit="\u00b5mol/L", loinc="14682-9")
    o.drug(6, "baclofen", "2021-07-01", supply=30)
    # 7: a creatinine whose unit is not known is not used (never assumed to be mg/dL)
    o.creatinine(7, "2021-06-01", 4.5, unit="mg")
    o.drug(7, "baclofen", "2021-07-01", supply=30)
    # 5: eGFR exactly at the threshold is not below it
    o.egfr(5, "2021-06-01", 30)
    o.drug(5, "baclofen", "2021-07-01", supply=30)
    got = found(run(o, "MRX-RENAL-001"), "MRX-RENAL-001")
    assert got == {
        2: (day_number_of("2021-07-11"), day_number_of("2021-07-30"), 20),
        3: (day_number_of("2021-07-01"), day_number_of("2021-07-30"), 30),
        4: (day_number_of("2021-07-01"), day_number_of("2021-07-30"), 30),
    }


def test_dialysis_from_icd10_or_snomed_and_its_end_date() -> None:
    o = Omop().person(1).person(2).person(3)
    o.condition(1, "2020-01-01", source="Z99.2")
    o.drug(1, "baclofen", "2021-07-01", supply=10)
    o.condition(2, "2020-01-01", end="2021-06-30", source="N18.6")  # ended before
    o.drug(2, "baclofen", "2021-07-01", supply=10)
    o.condition(3, "2021-07-05", source="714152005")
    o.condition(3, "2021-01-01", source="I10")
    o.drug(3, "baclofen", "2021-07-01", supply=10)
    got = found(run(o, "MRX-RENAL-002"), "MRX-RENAL-002")
    assert got == {
        1: (day_number_of("2021-07-01"), day_number_of("2021-07-10"), 10),
        3: (day_number_of("2021-07-05"), day_number_of("2021-07-10"), 6),
    }


def test_beers_counts_from_the_65th_birthday_including_29_february() -> None:
    o = (
        Omop()
        .person(1, birth="1957-03-10")
        .person(2, birth="1956-02-29")
        .person(3, birth="1960-01-01")
    )
    o.drug(1, "methocarbamol", "2022-03-01", supply=20)  # 65 on 2022-03-10
    o.drug(2, "metaxalone", "2021-02-20", supply=20)  # 65 on 2021-02-28 (no 29th in 2021)
    o.drug(3, "cyclobenzaprine", "2022-03-01", supply=20)  # 62
    o.drug(1, "baclofen", "2022-05-01", supply=20)  # baclofen is not on the Beers list
    got = found(run(o, "MRX-BEERS-001"), "MRX-BEERS-001")
    assert got == {
        1: (day_number_of("2022-03-10"), day_number_of("2022-03-20"), 11),
        2: (day_number_of("2021-02-28"), day_number_of("2021-03-11"), 12),
    }
    s = run(o, "MRX-BEERS-001")
    assert s.persons.column("age_years").to_pylist() == [65, 65]
    assert s.persons.column("age_band").to_pylist() == ["65-74", "65-74"]


def test_duplication_needs_two_relaxants_from_65_and_exempts_antispasticity_pairs() -> None:
    """MRX-DUP-001 as the rule's trigger says (and the check applies it): one drug twice is not
    a duplication; baclofen with tizanidine is an exempt antispasticity pair, so only the day
    orphenadrine joins them counts; the same combination at 51 is not STOPP A3."""
    o = Omop().person(1, birth="1950-06-15").person(2, birth="1950-06-15").person(3)
    o.drug(1, "baclofen", "2022-01-01", supply=10).drug(1, "baclofen", "2022-01-05", supply=10)
    o.drug(2, "baclofen", "2022-01-01", supply=10).drug(2, "tizanidine", "2022-01-08", supply=10)
    o.drug(2, "orphenadrine", "2022-01-09", supply=1)
    o.drug(3, "baclofen", "2022-01-01", supply=10).drug(3, "orphenadrine", "2022-01-05", supply=3)
    assert found(run(o, "MRX-DUP-001"), "MRX-DUP-001") == {
        2: (day_number_of("2022-01-09"), day_number_of("2022-01-09"), 1)
    }


def test_without_measurement_or_condition_tables_the_kidney_patterns_say_so() -> None:
    o = Omop().person(1)
    o.drug(1, "baclofen", "2022-01-01", supply=10)
    tables = o.tables()
    del tables["measurement"], tables["condition_occurrence"]
    r = run(tables).result
    by_code = {p.code: p for p in r.patterns}
    assert by_code["MRX-RENAL-001"].persons == 0
    assert "no measurement table" in (by_code["MRX-RENAL-001"].note or "")
    assert "no condition_occurrence table" in (by_code["MRX-RENAL-002"].note or "")
    assert by_code["MRX-DDI-003"].note is None


def test_missing_column_and_bad_dates_are_input_errors_naming_the_table() -> None:
    o = Omop().person(1)
    o.drug(1, "baclofen", "2022-01-01", supply=10)
    tables = o.tables()
    tables["drug_exposure"] = tables["drug_exposure"].drop_columns(["drug_exposure_start_date"])
    with pytest.raises(InputError, match="drug_exposure: missing column drug_exposure_start_date"):
        run(tables)
    bad = o.tables()
    bad["drug_exposure"] = bad["drug_exposure"].set_column(
        2, "drug_exposure_start_date", pa.array(["2022-02-31"])
    )
    with pytest.raises(InputError) as err:
        run(bad)
    assert str(err.value).startswith("drug_exposure: ")
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="person"):
        ArrowInput({"drug_exposure": tables["drug_exposure"]})
