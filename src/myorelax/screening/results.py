"""The screening result: per-pattern counts, the per-person list, and counts by age band and sex.

The engines return, per pattern, one row per flagged person (first and last flagged day, the
number of flagged days, sex, birth day); everything here is computed from those rows with Arrow
and NumPy, so every engine's output is summarised by the same code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from myorelax.frozen import Frozen
from myorelax.screening.patterns import Citation, Pattern

# Reporting bands (years at the first flagged day); the Beers age is one of the edges.
BAND_EDGES = (18, 45, 65, 75, 85)
SEXES = ("female", "male", "unknown")

PERSON_COLUMNS = (
    "code",
    "person_id",
    "sex",
    "age_years",
    "age_band",
    "first_date",
    "last_date",
    "exposure_days",
)


class PatternSummary(Frozen):
    code: str
    name: str
    summary: str
    persons: int
    exposure_days: int
    person_ids: tuple[int, ...]
    evidence: tuple[Citation, ...] = ()
    note: str | None = None


class AgeSexRow(Frozen):
    code: str
    age_band: str
    sex: str
    persons: int
    exposure_days: int


class ScreeningResult(Frozen):
    """The JSON contract of `myorelax screen --json` (see docs/screening.md)."""

    engine: str
    input: str
    knowledge_version: str
    grace_days: int
    rows_scanned: int
    rows_matched: int
    # What the screening could not map (docs/screening.md, "What could not be mapped"):
    # drug_exposure rows with concept 0 or none, those of them matched by drug_source_value,
    # and, with a CONCEPT table, the non-zero drug concepts it lacks and their rows.
    rows_concept_zero: int = 0
    rows_matched_by_source: int = 0
    concepts_missing: int = 0
    rows_concept_missing: int = 0
    rules_not_screened: tuple[str, ...] = ()
    # Class members with no confirmed RxCUI, left out of the drug sets: 'name (classes)'.
    ingredients_not_screened: tuple[str, ...] = ()
    patterns: tuple[PatternSummary, ...]
    by_age_sex: tuple[AgeSexRow, ...]
    thresholds: dict[str, float]
    notes: tuple[str, ...] = ()
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Screening:
    """A result with its per-person list (an Arrow table with PERSON_COLUMNS)."""

    result: ScreeningResult
    persons: pa.Table


def band_labels(edges: tuple[int, ...] = BAND_EDGES) -> tuple[str, ...]:
    out = [f"0-{edges[0] - 1}"]
    out += [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)]
    return (*out, f"{edges[-1]}+")


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def ages_at(birth_day: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years between two day numbers (days since 1970-01-01), element-wise. Someone
    born on 29 February has birthdays on 28 February (as the SQL counts the Beers age)."""
    by, bm, bd = year_month_day(birth_day)
    bd = np.where((bm == 2) & (bd == 29), 28, bd)
    y, m, d = year_month_day(day)
    before_birthday = (m < bm) | ((m == bm) & (d < bd))
    return np.asarray(y - by - before_birthday.astype(np.int64))


def age_bands(ages: np.ndarray, known: np.ndarray) -> pa.Array:
    labels = pa.array([*band_labels(), "unknown"], pa.string())
    idx = np.searchsorted(np.array(BAND_EDGES), ages, side="right")
    idx = np.where(known, idx, len(labels) - 1)
    return labels.take(pa.array(idx, pa.int32()))


def person_table(code: str, rows: pa.Table) -> pa.Table:
    """One pattern's engine rows as the per-person list (ages, bands and dates added)."""
    n = rows.num_rows
    person = rows.column("person_id").cast(pa.int64())
    first = rows.column("first_day").cast(pa.int32())
    last = rows.column("last_day").cast(pa.int32())
    birth = rows.column("birth_day").cast(pa.int32())
    known = np.asarray(pc.is_valid(birth).to_numpy(zero_copy_only=False), dtype=bool)
    b = np.asarray(birth.fill_null(0).to_numpy(), dtype=np.int64)
    f = np.asarray(first.to_numpy(), dtype=np.int64)
    ages = ages_at(b, f) if n else np.zeros(0, dtype=np.int64)
    age_arr = pa.array(ages, type=pa.int32(), mask=~known)
    table = pa.table(
        {
            "code": pa.repeat(pa.scalar(code, pa.string()), n),
            "person_id": person,
            "sex": rows.column("sex").cast(pa.string()),
            "age_years": age_arr,
            "age_band": age_bands(ages, known),
            "first_date": first.cast(pa.date32()),
            "last_date": last.cast(pa.date32()),
            "exposure_days": rows.column("exposure_days").cast(pa.int64()),
        }
    )
    return table.sort_by([("person_id", "ascending")])


def empty_persons() -> pa.Table:
    return person_table(
        "",
        pa.table(
            {
                "person_id": pa.array([], pa.int64()),
                "first_day": pa.array([], pa.int32()),
                "last_day": pa.array([], pa.int32()),
                "exposure_days": pa.array([], pa.int64()),
                "sex": pa.array([], pa.string()),
                "birth_day": pa.array([], pa.int32()),
            }
        ),
    )


def summarise(
    patterns: tuple[Pattern, ...], tables: dict[str, pa.Table], notes: dict[str, str]
) -> tuple[tuple[PatternSummary, ...], tuple[AgeSexRow, ...], pa.Table]:
    """Per-pattern summaries, the age-band and sex counts, and the combined per-person list."""
    summaries: list[PatternSummary] = []
    by: list[AgeSexRow] = []
    for p in patterns:
        t = tables[p.code] if p.code in tables else empty_persons()
        ids = tuple(t.column("person_id").to_pylist())
        days = int(pc.sum(t.column("exposure_days")).as_py() or 0)
        summaries.append(
            PatternSummary(
                code=p.code,
                name=p.name,
                summary=p.summary,
                persons=len(ids),
                exposure_days=days,
                person_ids=ids,
                evidence=p.evidence,
                note=notes.get(p.code),
            )
        )
        if t.num_rows:
            g = t.group_by(["age_band", "sex"]).aggregate(
                [("person_id", "count"), ("exposure_days", "sum")]
            )
            for row in sorted(g.to_pylist(), key=lambda r: (str(r["age_band"]), str(r["sex"]))):
                by.append(
                    AgeSexRow(
                        code=p.code,
                        age_band=str(row["age_band"]),
                        sex=str(row["sex"]),
                        persons=int(row["person_id_count"]),
                        exposure_days=int(row["exposure_days_sum"]),
                    )
                )
    order = {p.code: i for i, p in enumerate(patterns)}
    parts = [tables[c] for c in sorted(tables, key=lambda c: order.get(c, 99))]
    persons = pa.concat_tables(parts) if parts else empty_persons()
    return tuple(summaries), tuple(by), persons
