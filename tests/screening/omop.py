"""Small hand-made OMOP tables for edge cases, and a reference screening in plain Python."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa

from myorelax.knowledge.terminology import default_terminology
from myorelax.screening.concepts import LOCAL_DRUG_BASE
from myorelax.screening.patterns import ScreeningKnowledge, default_screening_knowledge

EPOCH = date(1970, 1, 1)
GENDER = {"female": 8532, "male": 8507, None: 0}


def d(text: str) -> date:
    return date.fromisoformat(text)


@functools.cache
def packaged_knowledge() -> ScreeningKnowledge:
    """The packaged screening knowledge, built once per test process. `screen()` without
    `knowledge=` builds exactly this on every call (about 0.5 s of CPU for the product index);
    tests that screen many small tables pass it instead. The default path itself stays covered
    by test_planted and the CLI tests."""
    return default_screening_knowledge()


def rxcui(ingredient: str) -> int:
    return int(default_terminology().ingredient(ingredient).rxcui)


@dataclass
class Omop:
    """Builder: people, exposures (by local concept id or by RxNorm source value), kidney
    values and conditions; `tables()` gives the OMOP tables as Arrow."""

    persons: list[dict[str, object]] = field(default_factory=list)
    drugs: list[dict[str, object]] = field(default_factory=list)
    measurements: list[dict[str, object]] = field(default_factory=list)
    conditions: list[dict[str, object]] = field(default_factory=list)

    def person(self, pid: int, birth: str = "1970-06-15", sex: str | None = "female") -> Omop:
        b = d(birth)
        self.persons.append(
            {
                "person_id": pid,
                "gender_concept_id": GENDER[sex],
                "year_of_birth": b.year,
                "month_of_birth": b.month,
                "day_of_birth": b.day,
            }
        )
        return self

    def drug(
        self,
        pid: int,
        ingredient: str | None,
        start: str,
        *,
        end: str | None = None,
        supply: int | None = None,
        by: str = "concept",
        concept: int | None = None,
    ) -> Omop:
        code = rxcui(ingredient) if ingredient else None
        if concept is None:
            concept = LOCAL_DRUG_BASE + code if code and by == "concept" else 0
        self.drugs.append(
            {
                "person_id": pid,
                "drug_concept_id": concept,
                "drug_exposure_start_date": d(start),
                "drug_exposure_end_date": d(end) if end else None,
                "days_supply": supply,
                "drug_source_value": str(code) if code and by == "source" else "00093015001",
            }
        )
        return self

    def egfr(self, pid: int, day: str, value: float, *, loinc: str = "98979-8") -> Omop:
        self.measurements.append(
            {
                "person_id": pid,
                "measurement_concept_id": 0,
                "measurement_date": d(day),
                "value_as_number": value,
                "unit_source_value": "mL/min/{1.73_m2}",
                "measurement_source_value": loinc,
            }
        )
        return self

    def creatinine(
        self, pid: int, day: str, value: float, *, unit: str = "mg/dL", loinc: str = "2160-0"
    ) -> Omop:
        self.measurements.append(
            {
                "person_id": pid,
                "measurement_concept_id": 0,
                "measurement_date": d(day),
                "value_as_number": value,
                "unit_source_value": unit,
                "measurement_source_value": loinc,
            }
        )
        return self

    def condition(
        self, pid: int, start: str, *, end: str | None = None, source: str = "Z99.2"
    ) -> Omop:
        self.conditions.append(
            {
                "person_id": pid,
                "condition_concept_id": 0,
                "condition_start_date": d(start),
                "condition_end_date": d(end) if end else None,
                "condition_source_value": source,
            }
        )
        return self

    def tables(self) -> dict[str, pa.Table]:
        schemas = {
            "person": pa.schema(
                [
                    ("person_id", pa.int64()),
                    ("gender_concept_id", pa.int64()),
                    ("year_of_birth", pa.int32()),
                    ("month_of_birth", pa.int32()),
                    ("day_of_birth", pa.int32()),
                ]
            ),
            "drug_exposure": pa.schema(
                [
                    ("person_id", pa.int64()),
                    ("drug_concept_id", pa.int64()),
                    ("drug_exposure_start_date", pa.date32()),
                    ("drug_exposure_end_date", pa.date32()),
                    ("days_supply", pa.int32()),
                    ("drug_source_value", pa.string()),
                ]
            ),
            "measurement": pa.schema(
                [
                    ("person_id", pa.int64()),
                    ("measurement_concept_id", pa.int64()),
                    ("measurement_date", pa.date32()),
                    ("value_as_number", pa.float64()),
                    ("unit_source_value", pa.string()),
                    ("measurement_source_value", pa.string()),
                ]
            ),
            "condition_occurrence": pa.schema(
                [
                    ("person_id", pa.int64()),
                    ("condition_concept_id", pa.int64()),
                    ("condition_start_date", pa.date32()),
                    ("condition_end_date", pa.date32()),
                    ("condition_source_value", pa.string()),
                ]
            ),
        }
        rows = {
            "person": self.persons,
            "drug_exposure": self.drugs,
            "measurement": self.measurements,
            "condition_occurrence": self.conditions,
        }
        return {t: pa.Table.from_pylist(rows[t], schema=schemas[t]) for t in schemas}


def day_number(x: date) -> int:
    return (x - EPOCH).days


def days(start: str, end: str) -> set[int]:
    a, b = d(start), d(end)
    return {day_number(a + timedelta(n)) for n in range((b - a).days + 1)}
