"""The patterns as SQL, generated once from their definitions for every engine.

One generator writes every statement; a `Dialect` supplies the few pieces that differ between
DuckDB, Spark SQL and PostgreSQL (type names and the day number of a date). Everything else is
plain SQL that all three run: common table expressions, joins, `GROUP BY`, window functions
(`LAG`/`LEAD`, running `SUM`/`MAX`), `make_date`, `GREATEST`, `POWER`, and bit masks of sets as
INTEGER (`&`, `BIT_OR`; 30 sets a word).

Dates become whole day numbers (days since 1970-01-01) on the way in, so interval arithmetic is
integer arithmetic everywhere. An exposure covers `start .. end` inclusive, with `end` taken from
`drug_exposure_end_date`, else `start + days_supply - 1`, else `start` (the OHDSI convention for
a missing end date); an end before the start is read as the start.

The steps, each materialised by the engine:

1. `mrx_person`: birth day, the day the person reaches the Beers age, sex.
2. `mrx_concept`: concept id -> what it is (a screened ingredient, an eGFR or creatinine test, a
   dialysis condition, the units mg/dL and umol/L), from the site's CONCEPT and CONCEPT_ANCESTOR tables or,
   without them, the shipped local concept map.
3. `mrx_exposure`: drug exposures of screened ingredients (by concept; where the concept is 0
   or missing, by `drug_source_value` holding the RxNorm code), from one pass over the table.
4. `mrx_held`: per person, the bit mask of the drug sets their exposures give (one pass).
5. `mrx_kidney`, `mrx_kidney_low`: eGFR values (measured, or from serum creatinine in mg/dL or
   umol/L by CKD-EPI 2021) and the spans during which the latest value is below the threshold.
6. `mrx_dialysis`: spans of a dialysis or end-stage kidney disease condition.
   A state's rows (5, 6, and the age's) are kept only for people who hold a drug set that a
   pattern pairs the state with (from `mrx_held`), unless a pattern can hold without a drug.
7. `mrx_era`: per person and set, exposures joined into eras when the gap between them is at
   most `grace_days`; each era also covers `grace_days` after its last day for concurrency. Kept
   as the eras' bounds: a row (`up` = 1, `b<word>` = the set's bit) on an era's first day and one
   (`up` = -1, `b<word>` = minus the bit) on the day after its cover ends. Only people who hold
   enough of some pattern's sets (a bit mask per person) get eras, and only of the sets of the
   patterns they can match. Drug sets of the same ingredients share a number (and eras).
8. `mrx_sweep`: one sweep over the bounds of every person, by day: the running sum of the bits
   up to the end of each day is the mask of the sets active that day; each concurrent
   pattern's test on the mask gives its exposure days (per person and pattern: first and last
   day, number of days).

Then one query per pattern: a concurrent pattern's rows of `mrx_sweep`; a long course is an era
(from a start bound to the next bound) longer than the limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from myorelax.clinical.renal import CREATININE_MG_DL_PER_UNIT
from myorelax.errors import InputError
from myorelax.frozen import Frozen
from myorelax.screening.concepts import code_rows, normalize_code
from myorelax.screening.patterns import (
    AGE_STATE,
    DIALYSIS_STATE,
    EGFR_STATE,
    STATES,
    Pattern,
    ScreeningKnowledge,
)

DialectName = Literal["duckdb", "spark", "postgres"]
FOREVER = 10_000_000  # a day number after any real date: open-ended spans end here
EPOCH = "DATE '1970-01-01'"

# CKD-EPI 2021 creatinine equation (Inker 2021, source ckd-epi-2021), as in
# myorelax.clinical.renal.ckd_epi_2021; a test checks that the two agree.
# sex -> (kappa, alpha, factor); then the scale, the exponent above kappa and the age base.
CKD_EPI_2021_SEX = {"female": (0.7, -0.241, 1.012), "male": (0.9, -0.302, 1.0)}
CKD_EPI_2021_SCALE = 142.0
CKD_EPI_2021_UPPER_EXPONENT = -1.200
CKD_EPI_2021_AGE_BASE = 0.9938
GENDER_CONCEPTS = {8532: "female", 8507: "male"}  # OMOP Gender vocabulary (FEMALE, MALE)

REQUIRED: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "year_of_birth", "gender_concept_id"),
    "drug_exposure": ("person_id", "drug_concept_id", "drug_exposure_start_date"),
    "measurement": ("person_id", "measurement_date"),
    "condition_occurrence": ("person_id", "condition_start_date"),
    "concept": ("concept_id", "vocabulary_id", "concept_code"),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
}
STATE_TABLE = {EGFR_STATE: "measurement", DIALYSIS_STATE: "condition_occurrence"}
OPTIONAL_TABLES = ("measurement", "condition_occurrence", "concept", "concept_ancestor")
TABLES = tuple(REQUIRED)


@dataclass(frozen=True)
class Dialect:
    """What differs between the engines' SQL."""

    name: DialectName

    @property
    def text(self) -> str:
        return {"duckdb": "VARCHAR", "spark": "STRING", "postgres": "TEXT"}[self.name]

    @property
    def double(self) -> str:
        return "DOUBLE PRECISION" if self.name == "postgres" else "DOUBLE"

    def type(self, kind: str) -> str:
        return {"TEXT": self.text, "DOUBLE": self.double}.get(kind, kind)

    def popcount(self, int_sql: str) -> str:
        """The number of bits set in an INTEGER expression (0 to 30 here)."""
        if self.name == "postgres":
            return f"length(replace(CAST(CAST({int_sql} AS bit(32)) AS TEXT), '0', ''))"
        return f"bit_count({int_sql})"

    def day(self, date_sql: str) -> str:
        """The day number (days since 1970-01-01) of a DATE expression, as INTEGER."""
        if self.name == "duckdb":
            return f"CAST(date_diff('day', {EPOCH}, {date_sql}) AS INTEGER)"
        if self.name == "spark":
            return f"datediff({date_sql}, {EPOCH})"
        return f"({date_sql} - {EPOCH})"


class ScreeningOptions(Frozen):
    """How exposures are joined: the grace period, in days, between refills and for overlap."""

    grace_days: int = Field(default=0, ge=0, le=365)


@dataclass(frozen=True)
class AuxTable:
    """A small table the generator needs in the engine (codes, set membership)."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, BIGINT | INTEGER | TEXT)
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Step:
    """A statement whose result the engine keeps as a table named `name`."""

    name: str
    sql: str
    reads: str  # the input table it reads, named in error messages


@dataclass(frozen=True)
class PatternQuery:
    code: str
    sql: str


@dataclass(frozen=True)
class Plan:
    """Everything an engine runs for one screening."""

    aux: tuple[AuxTable, ...]
    steps: tuple[Step, ...]
    patterns: tuple[PatternQuery, ...]
    set_ids: Mapping[str, int]
    count_rows: str
    count_matched: str

    @property
    def all_patterns(self) -> str:
        """Every pattern's rows in one query, with a `code` column first."""
        return "\nUNION ALL\n".join(
            f"SELECT '{q.code}' AS code, q{n}.* FROM ({q.sql}) q{n}"
            for n, q in enumerate(self.patterns)
        )


def raw(table: str) -> str:
    """The name under which an engine exposes an input table."""
    return f"raw_{table}"


def check_columns(inventory: Mapping[str, frozenset[str]]) -> None:
    """Raise an InputError naming the first missing table or column."""
    for table in ("person", "drug_exposure"):
        if table not in inventory:
            raise InputError(f"no {table} table", field="PATH")
    for table, cols in inventory.items():
        missing = [c for c in REQUIRED.get(table, ()) if c not in cols]
        if missing:
            raise InputError(f"missing column {missing[0]}", field=table)


class _Gen:
    def __init__(self, d: Dialect, inventory: Mapping[str, frozenset[str]]) -> None:
        self.d = d
        self.inv = inventory

    def col(self, table: str, name: str, kind: str) -> str:
        t = self.d.type(kind)
        if name in self.inv.get(table, frozenset()):
            return f"CAST({name} AS {t})"
        return f"CAST(NULL AS {t})"

    def date_day(self, table: str, name: str) -> str:
        return self.d.day(self.col(table, name, "DATE"))

    def num(self, x: float) -> str:
        return f"CAST({x!r} AS {self.d.double})"

    def norm(self, sql: str) -> str:
        return f"UPPER(REPLACE(TRIM({sql}), '.', ''))"


def _holding(masks: Mapping[int, int] | None, person: str, keyword: str) -> str:
    """A filter to the people who hold a screened drug of the sets in `masks` (any screened drug
    if empty; no filter if None), from their masks in `mrx_held`."""
    if masks is None:
        return ""
    test = f" WHERE {_at_least(masks, 1)}" if masks else ""
    return f"\n{keyword} {person} IN (SELECT person_id FROM mrx_held{test})"


def _held(set_ids: Mapping[str, int], distinct: Sequence[Sequence[int]]) -> str:
    """Per person, the mask of the drug sets their screened exposures give and, for each
    pattern that counts different ingredients, the mask of its ingredients they take (one
    pass)."""
    bits = [f"BIT_OR(im.m{w}) AS m{w}" for w in _words(set_ids.values())]
    bits += [f"BIT_OR(im.{c}) AS {c}" for c in _distinct_columns(distinct)]
    return f"""
SELECT e.person_id, {", ".join(bits)}
FROM mrx_exposure e JOIN mrx_ingredient_mask im ON im.ingredient_code = e.ingredient_code
GROUP BY e.person_id"""


def _distinct_columns(distinct: Sequence[Sequence[int]]) -> list[str]:
    """The mask columns of the ingredients of each 'distinct' pattern: d<pattern>_<word>."""
    return [f"d{j}_{w}" for j, codes in enumerate(distinct) for w in range(_ceil_words(len(codes)))]


def _ceil_words(n: int) -> int:
    return (n + WORD_BITS - 1) // WORD_BITS


def _person(g: _Gen, age: int) -> str:
    yob = g.col("person", "year_of_birth", "INTEGER")
    mob = f"COALESCE({g.col('person', 'month_of_birth', 'INTEGER')}, 1)"
    dob = f"COALESCE({g.col('person', 'day_of_birth', 'INTEGER')}, 1)"
    leap = f"CASE WHEN {mob} = 2 AND {dob} = 29 THEN 28 ELSE {dob} END"
    sex = " ".join(f"WHEN {k} THEN '{v}'" for k, v in GENDER_CONCEPTS.items())
    return f"""
SELECT {g.col("person", "person_id", "BIGINT")} AS person_id,
       {g.d.day(f"make_date({yob}, {mob}, {dob})")} AS birth_day,
       {g.d.day(f"make_date({yob} + {age}, {mob}, {leap})")} AS age_day,
       CASE {g.col("person", "gender_concept_id", "BIGINT")} {sex} ELSE 'unknown' END AS sex
FROM {raw("person")}"""


def _concept(g: _Gen) -> str:
    if "concept" not in g.inv:
        return "SELECT concept_id, kind, ingredient_code FROM mrx_local_concept"
    parts = [
        "SELECT c.concept_id, m.kind, m.ingredient_code FROM c "
        "JOIN mrx_code m ON m.vocabulary_id = c.vocabulary_id AND m.concept_code = c.code"
    ]
    ctes = f"""
WITH c AS (
  SELECT {g.col("concept", "concept_id", "BIGINT")} AS concept_id,
         {g.col("concept", "vocabulary_id", "TEXT")} AS vocabulary_id,
         {g.norm(g.col("concept", "concept_code", "TEXT"))} AS code
  FROM {raw("concept")})"""
    if "concept_ancestor" in g.inv:
        anc = g.col("concept_ancestor", "ancestor_concept_id", "BIGINT")
        desc = g.col("concept_ancestor", "descendant_concept_id", "BIGINT")
        ctes += f""",
a AS (SELECT {anc} AS ancestor_id, {desc} AS descendant_id FROM {raw("concept_ancestor")})"""
        parts.append(
            "SELECT a.descendant_id AS concept_id, m.kind, m.ingredient_code FROM a "
            "JOIN c ON c.concept_id = a.ancestor_id "
            "JOIN mrx_code m ON m.kind = 'drug' AND m.vocabulary_id = c.vocabulary_id "
            "AND m.concept_code = c.code"
        )
    union = "\n  UNION ALL\n  ".join(parts)
    return f"""{ctes}
SELECT DISTINCT concept_id, kind, ingredient_code FROM (
  {union}) u"""


def _exposure(g: _Gen) -> str:
    # One pass over drug_exposure keeps the rows whose concept is screened or 0 (OMOP's "no
    # matching concept"; a missing concept counts as 0), reading each column once; then the
    # kept rows are matched by concept, and those with concept 0 by `drug_source_value` holding
    # the RxNorm code. Casts and date arithmetic come after the joins, on the screened rows only.
    t = "drug_exposure"
    concept = g.col(t, "drug_concept_id", "BIGINT")
    names = ("person_id", "drug_exposure_start_date", "drug_exposure_end_date", "days_supply")
    present = [n for n in (*names, "drug_source_value") if n in g.inv.get(t, frozenset())]
    cols = f"""{g.col(t, "person_id", "BIGINT")} AS person_id,
         {g.col(t, "drug_exposure_start_date", "DATE")} AS start_date,
         {g.col(t, "drug_exposure_end_date", "DATE")} AS end_date,
         {g.col(t, "days_supply", "INTEGER")} AS days_supply"""
    return f"""
WITH dm AS (SELECT concept_id, ingredient_code FROM mrx_concept WHERE kind = 'drug'),
sel AS (
  SELECT {concept} AS mrx_concept_id, {", ".join(present)}
  FROM {raw(t)}
  JOIN (SELECT concept_id AS k FROM dm UNION SELECT 0) k ON k.k = COALESCE({concept}, 0)),
hit AS (
  SELECT dm.ingredient_code, 0 AS by_source, {cols}
  FROM sel JOIN dm ON dm.concept_id = sel.mrx_concept_id
  UNION ALL
  SELECT c.ingredient_code, 1 AS by_source, {cols}
  FROM sel
  JOIN (SELECT concept_code, ingredient_code FROM mrx_code WHERE kind = 'drug') c
    ON c.concept_code = TRIM({g.col(t, "drug_source_value", "TEXT")})
  WHERE COALESCE(sel.mrx_concept_id, 0) = 0),
d AS (
  SELECT person_id, ingredient_code, by_source, {g.d.day("start_date")} AS start_day,
         {g.d.day("end_date")} AS end_day, days_supply
  FROM hit)
SELECT person_id, ingredient_code, by_source, start_day,
       GREATEST(start_day, COALESCE(end_day,
                CASE WHEN days_supply > 0 THEN start_day + days_supply - 1 END,
                start_day)) AS end_day
FROM d
WHERE person_id IS NOT NULL AND start_day IS NOT NULL"""


def _count_rows(g: _Gen) -> str:
    """One aggregate over drug_exposure for what the screening could not map: rows in all,
    rows whose concept is 0 or missing, and, with a CONCEPT table, the distinct non-zero
    concepts (and their rows) that the table lacks; with CONCEPT_ANCESTOR, whether it has any
    row. The rows are first grouped by concept (few groups), so the join is over concepts."""
    concept = f"COALESCE({g.col('drug_exposure', 'drug_concept_id', 'BIGINT')}, 0)"
    grouped = f"""
WITH d AS (SELECT {concept} AS k, COUNT(*) AS n FROM {raw("drug_exposure")} GROUP BY {concept})"""
    if "concept" in g.inv:
        known = f"SELECT DISTINCT {g.col('concept', 'concept_id', 'BIGINT')} AS concept_id " + (
            f"FROM {raw('concept')}"
        )
        join = f" LEFT JOIN ({known}) c ON c.concept_id = d.k"
        missing = "c.concept_id IS NULL AND d.k <> 0"
    else:
        join, missing = "", "1 = 0"
    ancestor = (
        f"(SELECT COUNT(*) FROM (SELECT 1 AS x FROM {raw('concept_ancestor')} LIMIT 1) a1)"
        if "concept_ancestor" in g.inv
        else "CAST(0 AS BIGINT)"
    )
    return f"""{grouped}
SELECT COALESCE(SUM(d.n), 0) AS n,
       COALESCE(SUM(CASE WHEN d.k = 0 THEN d.n ELSE 0 END), 0) AS concept_zero,
       COALESCE(SUM(CASE WHEN {missing} THEN 1 ELSE 0 END), 0) AS concepts_missing,
       COALESCE(SUM(CASE WHEN {missing} THEN d.n ELSE 0 END), 0) AS rows_concept_missing,
       {ancestor} AS ancestor_rows
FROM d{join}"""


def _ckd_epi(g: _Gen, scr: str, age: str, sex: str) -> str:
    def one(s: str) -> str:
        kappa, alpha, factor = CKD_EPI_2021_SEX[s]
        ratio = f"({scr} / {g.num(kappa)})"
        return (
            f"{g.num(CKD_EPI_2021_SCALE)}"
            f" * POWER(LEAST({ratio}, {g.num(1.0)}), {g.num(alpha)})"
            f" * POWER(GREATEST({ratio}, {g.num(1.0)}), {g.num(CKD_EPI_2021_UPPER_EXPONENT)})"
            f" * POWER({g.num(CKD_EPI_2021_AGE_BASE)}, {age}) * {g.num(factor)}"
        )

    f, m = one("female"), one("male")
    return f"CASE {sex} WHEN 'female' THEN {f} WHEN 'male' THEN {m} ELSE LEAST({f}, {m}) END"


def _kidney(g: _Gen, who: Mapping[int, int] | None, adult_from_years: float) -> str:
    """eGFR rows: measured, or CKD-EPI 2021 from serum creatinine. CKD-EPI is an adult equation:
    it is used from `adult_from_years` (patient_states.yaml `adult_from_age`), as the safety
    check's `kidney_function` uses it."""
    t = "measurement"
    d = g.d.double
    age = f"(CAST(k.day - p.birth_day AS {d}) / {g.num(365.25)})"
    per_unit = CREATININE_MG_DL_PER_UNIT
    by_source = " ".join(f"WHEN '{u}' THEN {g.num(f)}" for u, f in per_unit.items())

    def unit_ids(kind: str) -> str:
        return f"SELECT concept_id FROM mrx_concept WHERE kind = '{kind}'"

    adult = f" AND {age} >= {g.num(adult_from_years)}"
    return f"""
WITH m AS (
  SELECT {g.col(t, "person_id", "BIGINT")} AS person_id,
         {g.col(t, "measurement_concept_id", "BIGINT")} AS concept_id,
         UPPER(TRIM({g.col(t, "measurement_source_value", "TEXT")})) AS source_value,
         {g.date_day(t, "measurement_date")} AS day,
         {g.col(t, "value_as_number", "DOUBLE")} AS value,
         {g.col(t, "unit_concept_id", "BIGINT")} AS unit_concept_id,
         LOWER(REPLACE(TRIM({g.col(t, "unit_source_value", "TEXT")}), ' ', '')) AS unit
  FROM {raw(t)}),
k AS (
  SELECT m.person_id, m.day, m.value, m.unit, m.unit_concept_id, COALESCE(a.kind, b.kind) AS kind
  FROM m
  LEFT JOIN (SELECT concept_id, kind FROM mrx_concept WHERE kind IN ('egfr', 'creatinine')) a
         ON a.concept_id = m.concept_id
  LEFT JOIN (SELECT concept_code, kind FROM mrx_code WHERE kind IN ('egfr', 'creatinine')) b
         ON b.concept_code = m.source_value
  WHERE m.value IS NOT NULL AND m.day IS NOT NULL AND m.person_id IS NOT NULL{_holding(who, "m.person_id", "   AND")})
SELECT person_id, day, value AS egfr FROM k WHERE kind = 'egfr'
UNION ALL
SELECT k.person_id, k.day, {_ckd_epi(g, "k.scr", age, "p.sex")} AS egfr
FROM (
  SELECT person_id, day,
         value * CASE
           WHEN unit_concept_id IN ({unit_ids("unit_mg_dl")}) THEN {g.num(per_unit["mg/dl"])}
           WHEN unit_concept_id IN ({unit_ids("unit_umol_l")}) THEN {g.num(per_unit["umol/l"])}
           ELSE CASE unit {by_source} END
         END AS scr
  FROM k WHERE kind = 'creatinine') k
JOIN mrx_person p ON p.person_id = k.person_id
WHERE k.scr > 0{adult}"""


def _kidney_low(egfr_below: float, g: _Gen) -> str:
    return f"""
WITH k AS (SELECT person_id, day, MIN(egfr) AS egfr FROM mrx_kidney GROUP BY person_id, day),
n AS (SELECT person_id, day, egfr,
             LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day FROM k)
SELECT person_id, day AS start_day, COALESCE(next_day - 1, {FOREVER}) AS end_day
FROM n WHERE egfr < {g.num(egfr_below)}"""


def _dialysis(g: _Gen, who: Mapping[int, int] | None) -> str:
    t = "condition_occurrence"
    return f"""
WITH c AS (
  SELECT {g.col(t, "person_id", "BIGINT")} AS person_id,
         {g.col(t, "condition_concept_id", "BIGINT")} AS concept_id,
         {g.norm(g.col(t, "condition_source_value", "TEXT"))} AS source_value,
         {g.date_day(t, "condition_start_date")} AS start_day,
         {g.date_day(t, "condition_end_date")} AS end_day
  FROM {raw(t)})
SELECT person_id, start_day, GREATEST(start_day, COALESCE(end_day, {FOREVER})) AS end_day
FROM c
WHERE person_id IS NOT NULL AND start_day IS NOT NULL
  AND (concept_id IN (SELECT concept_id FROM mrx_concept WHERE kind = 'dialysis')
       OR source_value IN (SELECT concept_code FROM mrx_code WHERE kind = 'dialysis')){_holding(who, "person_id", "  AND")}"""


def _era(
    set_ids: Mapping[str, int],
    grace: int,
    states: Sequence[str],
    who: Mapping[str, Mapping[int, int] | None],
    needs: Sequence[tuple[Sequence[str], int]],
) -> str:
    words = _words(set_ids.values())

    def bits(set_id: int) -> str:
        w, b = _word_bit(set_id)
        return ", ".join(f"{b if v == w else 0} AS m{v}" for v in words)

    # `held`: per person, the masks of the sets they hold (drugs from `mrx_held`, one row per
    # state span); `rows`: the kept people's rows of each set, for the eras.
    ctes: list[str] = []
    held = ["SELECT person_id, " + ", ".join(f"m{w}" for w in words) + " FROM mrx_held"]
    ms = ", ".join(f"s.m{w}" for w in words)
    rows = [
        f"SELECT e.person_id, s.set_id, e.start_day, e.end_day + {grace} AS cover_end, {ms} "
        "FROM mrx_exposure e JOIN keep k ON k.person_id = e.person_id "
        "JOIN mrx_set_member s ON s.ingredient_code = e.ingredient_code "
        "WHERE " + " OR ".join(f"(k.u{w} & s.m{w}) <> 0" for w in words)
    ]

    def useful(set_id: int) -> str:
        w, b = _word_bit(set_id)
        return f"(k.u{w} & {b}) <> 0"

    if AGE_STATE in states:
        # Only people with an exposure that a pattern pairs with the age (a Beers relaxant).
        ctes.append(
            "ag AS (SELECT p.person_id, p.age_day FROM mrx_person p "
            f"WHERE p.age_day IS NOT NULL{_holding(who[AGE_STATE], 'p.person_id', 'AND')})"
        )
        held.append(f"SELECT person_id, {bits(set_ids[AGE_STATE])} FROM ag")
        rows.append(
            f"SELECT a.person_id, {set_ids[AGE_STATE]}, a.age_day, {FOREVER}, "
            f"{bits(set_ids[AGE_STATE])} "
            "FROM ag a JOIN keep k ON k.person_id = a.person_id "
            f"WHERE {useful(set_ids[AGE_STATE])}"
        )
    for state, table in ((EGFR_STATE, "mrx_kidney_low"), (DIALYSIS_STATE, "mrx_dialysis")):
        if state in states:
            held.append(f"SELECT person_id, {bits(set_ids[state])} FROM {table}")
            rows.append(
                f"SELECT t.person_id, {set_ids[state]}, t.start_day, t.end_day, "
                f"{bits(set_ids[state])} "
                f"FROM {table} t JOIN keep k ON k.person_id = t.person_id "
                f"WHERE {useful(set_ids[state])}"
            )
    # Eras only of the sets of patterns that a person holds enough sets of to match: per person,
    # the mask of the sets held, tested against each pattern; `u<word>`: the sets of the
    # patterns that pass, of those held.
    tests = [(_at_least(_masks(sets, set_ids), m), _masks(sets, set_ids)) for sets, m in needs]
    use = {
        w: "("
        + " | ".join(f"CASE WHEN {t} THEN {ms.get(w, 0)} ELSE 0 END" for t, ms in tests)
        + f") & m{w}"
        for w in words
    }
    uses = ", ".join(f"({use[w]}) AS u{w}" for w in words)
    used = " OR ".join(f"u{w} <> 0" for w in words)
    # An era starts where a row starts after the cover of all rows before it (`prev_cover`) and
    # ends where the next row starts after the cover so far (`run_cover`, one window less).
    win = "PARTITION BY person_id, set_id ORDER BY start_day, cover_end"
    union = "\n  UNION ALL\n  "
    first = "".join(c + ",\n" for c in ctes)
    plus = ", ".join(f"m{w} AS b{w}" for w in words)
    minus = ", ".join(f"-m{w} AS b{w}" for w in words)
    return f"""
WITH {first}held AS (
  {union.join(held)}),
pm AS (SELECT person_id, {", ".join(f"BIT_OR(m{w}) AS m{w}" for w in words)}
       FROM held GROUP BY person_id),
keep AS (
  SELECT * FROM (SELECT person_id, {uses} FROM pm) u
  WHERE {used}),
r AS (
  {union.join(rows)}),
o AS (
  SELECT r.*,
         MAX(cover_end) OVER ({win} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_cover,
         LEAD(start_day) OVER ({win}) AS next_start
  FROM r),
e AS (
  SELECT o.*, GREATEST(cover_end, COALESCE(prev_cover, cover_end)) AS run_cover FROM o)
SELECT person_id, set_id, start_day AS day, 1 AS up, {plus} FROM o
WHERE prev_cover IS NULL OR start_day > prev_cover + 1
UNION ALL
SELECT person_id, set_id, run_cover + 1 AS day, -1 AS up, {minus} FROM e
WHERE next_start IS NULL OR next_start > run_cover + 1"""


def _with_person(body: str) -> str:
    return f"""
WITH res AS ({body})
SELECT res.person_id, CAST(res.first_day AS INTEGER) AS first_day,
       CAST(res.last_day AS INTEGER) AS last_day,
       CAST(res.exposure_days AS BIGINT) AS exposure_days,
       COALESCE(p.sex, 'unknown') AS sex, p.birth_day
FROM res LEFT JOIN mrx_person p ON p.person_id = res.person_id"""


# Sets per bit mask (a column m0, m1, ... each): INTEGER, whose sums every engine keeps exact
# and fast (PostgreSQL would sum BIGINT as NUMERIC).
WORD_BITS = 30


def _word_bit(set_id: int) -> tuple[int, int]:
    """Where a set is in the masks: (word, bit value)."""
    return (set_id - 1) // WORD_BITS, 1 << ((set_id - 1) % WORD_BITS)


def _words(set_ids: Iterable[int]) -> list[int]:
    return sorted({_word_bit(i)[0] for i in set_ids})


def _masks(sets: Sequence[str], set_ids: Mapping[str, int]) -> dict[int, int]:
    """word -> the bits of `sets`."""
    out: dict[int, int] = {}
    for s in sets:
        w, b = _word_bit(set_ids[s])
        out[w] = out.get(w, 0) | b
    return out


def _and(word: int, bits: int) -> str:
    return f"(m{word} & {bits})"


def _at_least(masks: Mapping[int, int], k: int) -> str:
    """The SQL test that at least `k` of the sets in `masks` are in the masks `m0`, `m1`, ..."""
    n = sum(bin(b).count("1") for b in masks.values())
    if k <= 0:
        return "1 = 1"
    if k > n:
        return "1 = 0"
    if k == n:
        return "(" + " AND ".join(f"{_and(w, b)} = {b}" for w, b in masks.items()) + ")"
    if k == 1:
        return "(" + " OR ".join(f"{_and(w, b)} <> 0" for w, b in masks.items()) + ")"
    ones = [
        f"CASE WHEN {_and(w, 1 << i)} <> 0 THEN 1 ELSE 0 END"
        for w, b in masks.items()
        for i in range(WORD_BITS)
        if b >> i & 1
    ]
    return f"({' + '.join(ones)}) >= {k}"


def _condition(p: Pattern, set_ids: Mapping[str, int]) -> str:
    """The SQL test that pattern `p` holds on a segment, from the segment's masks."""
    terms = [_at_least(_masks(p.counted, set_ids), p.min_active)]
    if p.required:
        terms.append(_at_least(_masks(p.required, set_ids), len(p.required)))
    if p.one_of:
        terms.append(_at_least(_masks(p.one_of, set_ids), 1))
    return " AND ".join(terms)


def _sweep(patterns: Mapping[int, Pattern], set_ids: Mapping[str, int]) -> str:
    """One sweep over the era bounds of every concurrent pattern's sets, per person by day.

    The eras of one set never overlap, so the running sum of +bit at an era's start and -bit the
    day after its cover ends is the mask of the sets active on each day, exactly. One window
    by person and day, no grouping: the sum runs over whole days (RANGE: a day's bounds are
    peers), and only a day's last row (its `LEAD` is a later day) is kept. Then each pattern's
    test on the masks of a segment (from one bound's day to the day before the next); a row
    per person and pattern that holds on some day (`pattern`
    numbers the patterns): the first and last such day, the number of such days, the person's
    sex and birth day. Every pattern needs some set on (min_active + required >= 1), so the
    segments with no set on are skipped."""
    for p in patterns.values():
        assert p.min_active + len(p.required) >= 1, p.code
    used = sorted({set_ids[s] for p in patterns.values() for s in p.sets})
    words = _words(used)
    ids = ", ".join(str(i) for i in used)
    win = "PARTITION BY person_id ORDER BY day"
    running = ",\n         ".join(
        f"CAST(SUM(b{w}) OVER ({win} RANGE UNBOUNDED PRECEDING) AS INTEGER) AS m{w}" for w in words
    )
    tests = {n: _condition(p, set_ids) for n, p in patterns.items()}
    flags = ",\n         ".join(f"({t}) AS q{n}" for n, t in tests.items())
    anyq = " OR ".join(f"q{n}" for n in tests)
    which = " ".join(f"WHEN {n} THEN q{n}" for n in tests)
    nonzero = " OR ".join(f"m{w} <> 0" for w in words)
    return f"""
WITH run AS (
  SELECT person_id, day, LEAD(day) OVER ({win}) AS next_day,
         {running}
  FROM mrx_era WHERE set_id IN ({ids})),
q AS (
  SELECT person_id, day, next_day,
         {flags}
  FROM run WHERE next_day > day AND ({nonzero})),
seg AS (
  SELECT q.person_id, n.pattern, q.day, q.next_day
  FROM (SELECT * FROM q WHERE {anyq}) q CROSS JOIN mrx_pattern n
  WHERE CASE n.pattern {which} ELSE FALSE END)
SELECT a.*, COALESCE(p.sex, 'unknown') AS sex, p.birth_day
FROM (
  SELECT person_id, pattern, MIN(day) AS first_day, MAX(next_day - 1) AS last_day,
         SUM(next_day - day) AS exposure_days
  FROM seg GROUP BY person_id, pattern) a
LEFT JOIN mrx_person p ON p.person_id = a.person_id"""


def _concurrent(n: int) -> str:
    return f"""
SELECT person_id, CAST(first_day AS INTEGER) AS first_day, CAST(last_day AS INTEGER) AS last_day,
       CAST(exposure_days AS BIGINT) AS exposure_days, sex, birth_day
FROM mrx_sweep WHERE pattern = {n}"""


def _long_course(p: Pattern, set_ids: Mapping[str, int], grace: int) -> str:
    # An era runs from a start bound to the next bound (the day after its cover ends); its last
    # exposure day is its cover's end less the grace period.
    assert p.longer_than_days is not None
    return _with_person(f"""
  WITH b AS (
    SELECT person_id, day, up, LAG(day) OVER (PARTITION BY person_id ORDER BY day) AS start_day
    FROM mrx_era WHERE set_id = {set_ids[p.sets[0]]}),
  e AS (SELECT person_id, start_day, day - 1 - {grace} AS end_day FROM b WHERE up = -1)
  SELECT person_id, MIN(start_day) AS first_day, MAX(end_day) AS last_day,
         SUM(end_day - start_day + 1) AS exposure_days
  FROM e
  WHERE end_day - start_day + 1 > {p.longer_than_days}
  GROUP BY person_id""")


def _distinct(
    p: Pattern, knowledge: ScreeningKnowledge, grace: int, j: int, dialect: Dialect
) -> str:
    """At least `min_active` different ingredients of the pattern's drug set on the same day
    (and 65 or older when the age state is required): eras per person and ingredient (as
    `_era` makes them for sets), +1 at an era's start and -1 the day after its cover ends, and
    the running count per person by day. Only people with enough different ingredients in
    their exposures that reach the age are swept: the people with enough different ingredients
    at any age are found first, from the mask of this pattern's ingredients each person takes
    (`mrx_held`, column d<j>_<word>: a count of bits, no second pass over the exposures), so
    that only theirs meet the person table."""
    drug = [s for s in p.sets if s in knowledge.drug_sets]
    states = [s for s in p.sets if s not in knowledge.drug_sets]
    assert len(drug) == 1 and set(states) <= {AGE_STATE}, p.code
    codes = ", ".join(knowledge.drug_sets[drug[0]].rxcuis)
    aged = AGE_STATE in states
    reach = f" AND p.age_day IS NOT NULL AND e.end_day + {grace} >= p.age_day"
    win = "PARTITION BY person_id, ingredient_code ORDER BY start_day, cover_end"
    day = "GREATEST(r.day, p.age_day)" if aged else "r.day"
    after = " AND r.next_day > p.age_day" if aged else ""
    enough = f"GROUP BY person_id HAVING COUNT(DISTINCT ingredient_code) >= {p.min_active}"
    n_words = _ceil_words(len(dict.fromkeys(knowledge.drug_sets[drug[0]].rxcuis)))
    taken = " + ".join(dialect.popcount(f"d{j}_{w}") for w in range(n_words))
    first = f"""w AS (SELECT person_id FROM mrx_held WHERE {taken} >= {p.min_active}),
  """
    source = (
        "mrx_exposure e JOIN w ON w.person_id = e.person_id "
        + ("JOIN mrx_person p ON p.person_id = e.person_id " if aged else "")
        + f"WHERE e.ingredient_code IN ({codes})"
    )
    return _with_person(f"""
  WITH {first}x AS (
    SELECT e.person_id, e.ingredient_code, e.start_day, e.end_day + {grace} AS cover_end
    FROM {source}{reach if aged else ""}),
  c AS (
    SELECT person_id FROM x {enough}),
  y AS (SELECT x.* FROM x JOIN c ON c.person_id = x.person_id),
  o AS (
    SELECT y.*,
           MAX(cover_end) OVER ({win} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
             AS prev_cover,
           LEAD(start_day) OVER ({win}) AS next_start
    FROM y),
  e AS (SELECT o.*, GREATEST(cover_end, COALESCE(prev_cover, cover_end)) AS run_cover FROM o),
  b AS (
    SELECT person_id, start_day AS day, 1 AS up FROM o
    WHERE prev_cover IS NULL OR start_day > prev_cover + 1
    UNION ALL
    SELECT person_id, run_cover + 1 AS day, -1 AS up FROM e
    WHERE next_start IS NULL OR next_start > run_cover + 1),
  r AS (
    SELECT person_id, day, LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day,
           SUM(up) OVER (PARTITION BY person_id ORDER BY day RANGE UNBOUNDED PRECEDING) AS n
    FROM b),
  s AS (
    SELECT r.person_id, {day} AS day, r.next_day
    FROM r JOIN mrx_person p ON p.person_id = r.person_id
    WHERE r.next_day > r.day AND r.n >= {p.min_active}{after})
  SELECT person_id, MIN(day) AS first_day, MAX(next_day - 1) AS last_day,
         SUM(next_day - day) AS exposure_days
  FROM s GROUP BY person_id""")


def _set_ids(knowledge: ScreeningKnowledge, used: Sequence[str]) -> dict[str, int]:
    """A number per set, from 1. Drug sets of the same ingredients share one (their eras are
    the same) unless a pattern holds both (it counts them as two)."""
    together = {frozenset((a, b)) for p in knowledge.patterns for a in p.sets for b in p.sets}
    sets = knowledge.drug_sets
    groups: dict[int, list[str]] = {}
    for key in used:
        n = next(
            (
                n
                for n, keys in groups.items()
                if key in sets
                and keys[0] in sets
                and sets[keys[0]].rxcuis == sets[key].rxcuis
                and not any(frozenset((key, k)) in together for k in keys)
            ),
            len(groups) + 1,
        )
        groups.setdefault(n, []).append(key)
    return {key: n for n, keys in groups.items() for key in keys}


def _needs_drug(p: Pattern, knowledge: ScreeningKnowledge) -> bool:
    """Whether pattern `p` can only hold on a day some drug set of it is active."""
    if p.kind == "long_course":
        return p.sets[0] in knowledge.drug_sets
    states = {s for s in p.sets if s not in knowledge.drug_sets}
    alone = (
        sum(s in states for s in p.counted) >= p.min_active
        and all(s in states for s in p.required)
        and (not p.one_of or any(s in states for s in p.one_of))
    )
    return not alone


def _who(
    knowledge: ScreeningKnowledge, states: Sequence[str], set_ids: Mapping[str, int]
) -> dict[str, dict[int, int] | None]:
    """Per state, whose rows of it can matter: the masks of the drug sets that the patterns
    with the state pair it with (a person's rows matter only if they hold one of them), or None
    (everyone's) if such a pattern can hold without a drug."""
    out: dict[str, dict[int, int] | None] = {}
    for state in states:
        pats = [p for p in knowledge.patterns if state in p.sets]
        if not all(_needs_drug(p, knowledge) for p in pats):
            out[state] = None
            continue
        drugs = [s for p in pats for s in p.sets if s in knowledge.drug_sets]
        out[state] = _masks(list(dict.fromkeys(drugs)), set_ids)
    return out


def _set_members(members: Sequence[tuple[int, int]], set_ids: Mapping[str, int]) -> AuxTable:
    """Per ingredient and set it belongs to, the set's bit (one column per word)."""
    words = _words(set_ids.values())
    return AuxTable(
        "mrx_set_member",
        (
            ("ingredient_code", "BIGINT"),
            ("set_id", "INTEGER"),
            *((f"m{w}", "INTEGER") for w in words),
        ),
        tuple(
            (i, n, *(_word_bit(n)[1] if _word_bit(n)[0] == w else 0 for w in words))
            for i, n in members
        ),
    )


def _ingredient_masks(
    members: Sequence[tuple[int, int]],
    set_ids: Mapping[str, int],
    distinct: Sequence[Sequence[int]] = (),
) -> AuxTable:
    """Per ingredient, the mask of the sets it belongs to (one column per word) and, for each
    'distinct' pattern, its own bit among that pattern's ingredients (columns d<j>_<word>)."""
    words = _words(set_ids.values())
    columns = _distinct_columns(distinct)
    masks: dict[int, dict[str, int]] = {}

    def row(ingredient: int) -> dict[str, int]:
        return masks.setdefault(
            ingredient, {**{f"m{w}": 0 for w in words}, **dict.fromkeys(columns, 0)}
        )

    for ingredient, set_id in members:
        w, b = _word_bit(set_id)
        row(ingredient)[f"m{w}"] |= b
    for j, codes in enumerate(distinct):
        for k, ingredient in enumerate(codes):
            row(ingredient)[f"d{j}_{k // WORD_BITS}"] |= 1 << (k % WORD_BITS)
    names = [f"m{w}" for w in words] + columns
    return AuxTable(
        "mrx_ingredient_mask",
        (("ingredient_code", "BIGINT"), *((n, "INTEGER") for n in names)),
        tuple((i, *(m[n] for n in names)) for i, m in masks.items()),
    )


def build_plan(
    knowledge: ScreeningKnowledge,
    inventory: Mapping[str, frozenset[str]],
    dialect: Dialect,
    options: ScreeningOptions | None = None,
) -> Plan:
    """The statements that screen the input described by `inventory` (table -> columns)."""
    options = options or ScreeningOptions()
    check_columns(inventory)
    g = _Gen(dialect, inventory)
    # The patterns of kind "distinct" count ingredients in a query of their own; the others
    # share the sets' eras and one sweep over their masks.
    masked = knowledge.model_copy(
        update={"patterns": tuple(p for p in knowledge.patterns if p.kind != "distinct")}
    )
    used = list(dict.fromkeys(s for p in masked.patterns for s in p.sets))
    set_ids = _set_ids(masked, used)
    states = [
        s
        for s in used
        if s not in knowledge.drug_sets and STATE_TABLE.get(s, "person") in inventory
    ]
    codes = code_rows(knowledge)
    # The ingredients of each pattern that counts different ingredients, in pattern order.
    distinct_patterns = [p for p in knowledge.patterns if p.kind == "distinct"]
    distinct = [
        tuple(
            dict.fromkeys(
                int(c)
                for s in p.sets
                if s in knowledge.drug_sets
                for c in knowledge.drug_sets[s].rxcuis
            )
        )
        for p in distinct_patterns
    ]
    members = tuple(
        dict.fromkeys(
            (int(rxcui), set_ids[key])
            for key in used
            if key in knowledge.drug_sets
            for rxcui in knowledge.drug_sets[key].rxcuis
        )
    )
    aux: tuple[AuxTable, ...] = (
        AuxTable(
            "mrx_code",
            (
                ("vocabulary_id", "TEXT"),
                ("concept_code", "TEXT"),
                ("kind", "TEXT"),
                ("ingredient_code", "BIGINT"),
            ),
            tuple(
                (c.vocabulary_id, normalize_code(c.concept_code), c.kind, c.ingredient_code)
                for c in codes
            )
            # Product codes (any RxNorm term type) to their ingredients, from the medication
            # resolver: how a site without CONCEPT_ANCESTOR has its products screened.
            + tuple(
                ("RxNorm", code, "drug", ingredient) for code, ingredient in knowledge.product_codes
            ),
        ),
        AuxTable(
            "mrx_local_concept",
            (("concept_id", "BIGINT"), ("kind", "TEXT"), ("ingredient_code", "BIGINT")),
            tuple((c.concept_id, c.kind, c.ingredient_code) for c in codes),
        ),
        _set_members(members, set_ids),
        _ingredient_masks(members, set_ids, distinct),
    )
    concurrent = {n: p for n, p in enumerate(knowledge.patterns) if p.kind == "concurrent"}
    if concurrent:  # the numbers of the concurrent patterns, for the sweep's rows per pattern
        aux += (
            AuxTable("mrx_pattern", (("pattern", "INTEGER"),), tuple((n,) for n in concurrent)),
        )
    who = _who(masked, states, set_ids)
    steps = [
        Step("mrx_person", _person(g, knowledge.thresholds.beers_age_years), "person"),
        Step("mrx_concept", _concept(g), "concept"),
        Step("mrx_exposure", _exposure(g), "drug_exposure"),
    ]
    if set_ids or distinct:
        steps.append(Step("mrx_held", _held(set_ids, distinct), "drug_exposure"))
    if EGFR_STATE in states:
        # CKD-EPI only from patient_states.yaml's `adult_from_age`, as in the check.
        adult = knowledge.thresholds.adult_from_age_years
        steps.append(Step("mrx_kidney", _kidney(g, who[EGFR_STATE], adult), "measurement"))
        steps.append(
            Step(
                "mrx_kidney_low",
                _kidney_low(knowledge.thresholds.egfr_below_ml_min, g),
                "measurement",
            )
        )
    if DIALYSIS_STATE in states:
        steps.append(
            Step("mrx_dialysis", _dialysis(g, who[DIALYSIS_STATE]), "condition_occurrence")
        )
    needs = [(p.sets, p.min_active + len(p.required)) for p in masked.patterns]
    if set_ids:
        era = _era(set_ids, options.grace_days, states, who, needs)
        steps.append(Step("mrx_era", era, "drug_exposure"))
    if concurrent:
        steps.append(Step("mrx_sweep", _sweep(concurrent, set_ids), "drug_exposure"))

    def query(n: int, p: Pattern) -> str:
        if p.kind == "long_course":
            return _long_course(p, set_ids, 0 if p.sets[0] in STATES else options.grace_days)
        if p.kind == "distinct":
            j = distinct_patterns.index(p)
            return _distinct(p, knowledge, options.grace_days, j, dialect)
        return _concurrent(n)

    queries = tuple(PatternQuery(p.code, query(n, p)) for n, p in enumerate(knowledge.patterns))
    return Plan(
        aux=aux,
        steps=tuple(steps),
        patterns=queries,
        set_ids=set_ids,
        count_rows=_count_rows(g),
        count_matched=(
            "SELECT COUNT(*) AS matched, COALESCE(SUM(by_source), 0) AS by_source FROM mrx_exposure"
        ),
    )
