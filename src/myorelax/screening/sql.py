"""The patterns as SQL, generated once from their definitions for every engine.

One generator writes every statement; a `Dialect` supplies the few pieces that differ between
DuckDB, Spark SQL and PostgreSQL (type names and the day number of a date). Everything else is
plain SQL that all three run: common table expressions, joins, `GROUP BY`, window functions
(`LAG`/`LEAD`, running `SUM`/`MAX`), `make_date`, `GREATEST`, `POWER`.

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
   or missing, by `drug_source_value` holding the RxNorm code).
4. `mrx_kidney`, `mrx_kidney_low`: eGFR values (measured, or from serum creatinine in mg/dL or
   umol/L by CKD-EPI 2021) and the spans during which the latest value is below the threshold.
5. `mrx_dialysis`: spans of a dialysis or end-stage kidney disease condition.
6. `mrx_era`: per person and set, exposures joined into eras when the gap between them is at
   most `grace_days`; each era also covers `grace_days` after its last day for concurrency.

Then one query per pattern: a sweep over era starts and ends counts the sets active on each
day; the days on which at least `min_active` sets are active are the pattern's exposure days.
A long course is an era longer than the limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    # Casts and date arithmetic come after the joins, on the screened rows only; the source
    # value is read only where the concept is 0 or missing (OMOP's "no matching concept").
    t = "drug_exposure"
    cols = f"""{g.col(t, "person_id", "BIGINT")} AS person_id,
         {g.col(t, "drug_exposure_start_date", "DATE")} AS start_date,
         {g.col(t, "drug_exposure_end_date", "DATE")} AS end_date,
         {g.col(t, "days_supply", "INTEGER")} AS days_supply"""
    concept = g.col(t, "drug_concept_id", "BIGINT")
    return f"""
WITH hit AS (
  SELECT m.ingredient_code, {cols}
  FROM {raw(t)} JOIN (SELECT concept_id, ingredient_code FROM mrx_concept WHERE kind = 'drug') m
    ON m.concept_id = {concept}
  UNION ALL
  SELECT c.ingredient_code, {cols}
  FROM (SELECT * FROM {raw(t)} WHERE COALESCE({concept}, 0) = 0) u
  JOIN (SELECT concept_code, ingredient_code FROM mrx_code WHERE kind = 'drug') c
    ON c.concept_code = TRIM({g.col(t, "drug_source_value", "TEXT")})),
d AS (
  SELECT person_id, ingredient_code, {g.d.day("start_date")} AS start_day,
         {g.d.day("end_date")} AS end_day, days_supply
  FROM hit)
SELECT person_id, ingredient_code, start_day,
       GREATEST(start_day, COALESCE(end_day,
                CASE WHEN days_supply > 0 THEN start_day + days_supply - 1 END,
                start_day)) AS end_day
FROM d
WHERE person_id IS NOT NULL AND start_day IS NOT NULL"""


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


def _kidney(g: _Gen) -> str:
    t = "measurement"
    d = g.d.double
    age = f"(CAST(k.day - p.birth_day AS {d}) / {g.num(365.25)})"
    per_unit = CREATININE_MG_DL_PER_UNIT
    by_source = " ".join(f"WHEN '{u}' THEN {g.num(f)}" for u, f in per_unit.items())

    def unit_ids(kind: str) -> str:
        return f"SELECT concept_id FROM mrx_concept WHERE kind = '{kind}'"

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
  WHERE m.value IS NOT NULL AND m.day IS NOT NULL AND m.person_id IS NOT NULL)
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
WHERE k.scr > 0"""


def _kidney_low(egfr_below: float, g: _Gen) -> str:
    return f"""
WITH k AS (SELECT person_id, day, MIN(egfr) AS egfr FROM mrx_kidney GROUP BY person_id, day),
n AS (SELECT person_id, day, egfr,
             LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day FROM k)
SELECT person_id, day AS start_day, COALESCE(next_day - 1, {FOREVER}) AS end_day
FROM n WHERE egfr < {g.num(egfr_below)}"""


def _dialysis(g: _Gen) -> str:
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
       OR source_value IN (SELECT concept_code FROM mrx_code WHERE kind = 'dialysis'))"""


def _era(
    set_ids: Mapping[str, int],
    grace: int,
    states: Sequence[str],
    age_partners: Sequence[str],
    needs: Sequence[tuple[Sequence[str], int]],
) -> str:
    parts = [
        "SELECT e.person_id, s.set_id, e.start_day, e.end_day, e.end_day + "
        f"{grace} AS cover_end FROM mrx_exposure e "
        "JOIN mrx_set_member s ON s.ingredient_code = e.ingredient_code"
    ]
    if AGE_STATE in states:
        # Only people with an exposure that a pattern pairs with the age (a Beers relaxant).
        partners = ", ".join(str(set_ids[s]) for s in age_partners)
        parts.append(
            f"SELECT p.person_id, {set_ids[AGE_STATE]}, p.age_day, {FOREVER}, {FOREVER} "
            "FROM mrx_person p WHERE p.age_day IS NOT NULL AND p.person_id IN ("
            "SELECT e.person_id FROM mrx_exposure e JOIN mrx_set_member s "
            f"ON s.ingredient_code = e.ingredient_code WHERE s.set_id IN ({partners}))"
        )
    if EGFR_STATE in states:
        parts.append(
            f"SELECT person_id, {set_ids[EGFR_STATE]}, start_day, end_day, end_day "
            "FROM mrx_kidney_low"
        )
    if DIALYSIS_STATE in states:
        parts.append(
            f"SELECT person_id, {set_ids[DIALYSIS_STATE]}, start_day, end_day, end_day "
            "FROM mrx_dialysis"
        )
    rows = "\n  UNION ALL\n  ".join(parts)
    # Eras only for people who hold enough of some pattern's sets to match it.
    keep = "\n  UNION\n  ".join(
        "SELECT person_id FROM ps WHERE set_id IN ("
        + ", ".join(str(set_ids[s]) for s in sets)
        + f") GROUP BY person_id HAVING COUNT(*) >= {m}"
        for sets, m in needs
    )
    win = "PARTITION BY person_id, set_id ORDER BY start_day, cover_end"
    return f"""
WITH r AS (
  {rows}),
ps AS (SELECT DISTINCT person_id, set_id FROM r),
keep AS (
  {keep}),
rk AS (SELECT r.* FROM r WHERE r.person_id IN (SELECT person_id FROM keep)),
o AS (
  SELECT rk.*, MAX(cover_end) OVER ({win}
         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_cover
  FROM rk),
g AS (
  SELECT o.*, SUM(CASE WHEN prev_cover IS NULL OR start_day > prev_cover + 1 THEN 1 ELSE 0 END)
         OVER ({win} ROWS UNBOUNDED PRECEDING) AS grp
  FROM o)
SELECT person_id, set_id, MIN(start_day) AS start_day, MAX(end_day) AS end_day,
       MAX(cover_end) AS cover_end
FROM g GROUP BY person_id, set_id, grp"""


def _with_person(body: str) -> str:
    return f"""
WITH res AS ({body})
SELECT res.person_id, CAST(res.first_day AS INTEGER) AS first_day,
       CAST(res.last_day AS INTEGER) AS last_day,
       CAST(res.exposure_days AS BIGINT) AS exposure_days,
       COALESCE(p.sex, 'unknown') AS sex, p.birth_day
FROM res LEFT JOIN mrx_person p ON p.person_id = res.person_id"""


def _weight(sets: Sequence[str], set_ids: Mapping[str, int]) -> str:
    """1 for an era of one of `sets`, else 0 (0 when there are none)."""
    if not sets:
        return "0"
    return f"CASE WHEN set_id IN ({', '.join(str(set_ids[s]) for s in sets)}) THEN 1 ELSE 0 END"


def _concurrent(p: Pattern, set_ids: Mapping[str, int]) -> str:
    if not p.required and not p.one_of:
        return _counted(p, set_ids)
    # Three running counts: sets counted towards min_active, required sets (all must be on),
    # and sets of which one must be on.
    ids = ", ".join(str(set_ids[s]) for s in p.sets)
    d, r, o = _weight(p.counted, set_ids), _weight(p.required, set_ids), _weight(p.one_of, set_ids)
    one = " AND one_on >= 1" if p.one_of else ""
    return _with_person(f"""
  WITH e AS (SELECT person_id, set_id, start_day, cover_end FROM mrx_era WHERE set_id IN ({ids})),
  c AS (SELECT person_id FROM e GROUP BY person_id
        HAVING COUNT(DISTINCT set_id) >= {p.min_active + len(p.required)}),
  f AS (SELECT e.person_id, e.start_day, e.cover_end, {d} AS d, {r} AS r, {o} AS o
        FROM e JOIN c ON c.person_id = e.person_id),
  ev AS (SELECT person_id, start_day AS day, d, r, o FROM f
         UNION ALL SELECT person_id, cover_end + 1 AS day, -d, -r, -o FROM f),
  evs AS (SELECT person_id, day, SUM(d) AS d, SUM(r) AS r, SUM(o) AS o
          FROM ev GROUP BY person_id, day),
  run AS (SELECT person_id, day,
                 SUM(d) OVER (PARTITION BY person_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS active,
                 SUM(r) OVER (PARTITION BY person_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS req_on,
                 SUM(o) OVER (PARTITION BY person_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS one_on,
                 LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day
          FROM evs),
  seg AS (SELECT person_id, day AS start_day, next_day - 1 AS end_day FROM run
          WHERE active >= {p.min_active} AND req_on >= {len(p.required)}{one})
  SELECT person_id, MIN(start_day) AS first_day, MAX(end_day) AS last_day,
         SUM(end_day - start_day + 1) AS exposure_days
  FROM seg GROUP BY person_id""")


def _counted(p: Pattern, set_ids: Mapping[str, int]) -> str:
    ids = ", ".join(str(set_ids[s]) for s in p.sets)
    return _with_person(f"""
  WITH e AS (SELECT person_id, set_id, start_day, cover_end FROM mrx_era WHERE set_id IN ({ids})),
  c AS (SELECT person_id FROM e GROUP BY person_id HAVING COUNT(DISTINCT set_id) >= {p.min_active}),
  f AS (SELECT e.person_id, e.start_day, e.cover_end FROM e JOIN c ON c.person_id = e.person_id),
  ev AS (SELECT person_id, start_day AS day, 1 AS d FROM f
         UNION ALL SELECT person_id, cover_end + 1 AS day, -1 AS d FROM f),
  evs AS (SELECT person_id, day, SUM(d) AS d FROM ev GROUP BY person_id, day),
  run AS (SELECT person_id, day,
                 SUM(d) OVER (PARTITION BY person_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS active,
                 LEAD(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day
          FROM evs),
  seg AS (SELECT person_id, day AS start_day, next_day - 1 AS end_day FROM run
          WHERE active >= {p.min_active})
  SELECT person_id, MIN(start_day) AS first_day, MAX(end_day) AS last_day,
         SUM(end_day - start_day + 1) AS exposure_days
  FROM seg GROUP BY person_id""")


def _long_course(p: Pattern, set_ids: Mapping[str, int]) -> str:
    assert p.longer_than_days is not None
    return _with_person(f"""
  SELECT person_id, MIN(start_day) AS first_day, MAX(end_day) AS last_day,
         SUM(end_day - start_day + 1) AS exposure_days
  FROM mrx_era
  WHERE set_id = {set_ids[p.sets[0]]} AND end_day - start_day + 1 > {p.longer_than_days}
  GROUP BY person_id""")


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
    used = list(dict.fromkeys(s for p in knowledge.patterns for s in p.sets))
    set_ids = {s: n for n, s in enumerate(used, start=1)}
    states = [
        s
        for s in used
        if s not in knowledge.drug_sets and STATE_TABLE.get(s, "person") in inventory
    ]
    codes = code_rows(knowledge)
    members = tuple(
        (int(rxcui), set_ids[key])
        for key in used
        if key in knowledge.drug_sets
        for rxcui in knowledge.drug_sets[key].rxcuis
    )
    aux = (
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
        AuxTable("mrx_set_member", (("ingredient_code", "BIGINT"), ("set_id", "INTEGER")), members),
    )
    steps = [
        Step("mrx_person", _person(g, knowledge.thresholds.beers_age_years), "person"),
        Step("mrx_concept", _concept(g), "concept"),
        Step("mrx_exposure", _exposure(g), "drug_exposure"),
    ]
    if EGFR_STATE in states:
        steps.append(Step("mrx_kidney", _kidney(g), "measurement"))
        steps.append(
            Step(
                "mrx_kidney_low",
                _kidney_low(knowledge.thresholds.egfr_below_ml_min, g),
                "measurement",
            )
        )
    if DIALYSIS_STATE in states:
        steps.append(Step("mrx_dialysis", _dialysis(g), "condition_occurrence"))
    age_partners = [
        s
        for p in knowledge.patterns
        if AGE_STATE in p.sets
        for s in p.sets
        if s in knowledge.drug_sets
    ]
    needs = [(p.sets, p.min_active + len(p.required)) for p in knowledge.patterns]
    era = _era(set_ids, options.grace_days, states, age_partners, needs)
    steps.append(Step("mrx_era", era, "drug_exposure"))
    queries = tuple(
        PatternQuery(
            p.code,
            _long_course(p, set_ids) if p.kind == "long_course" else _concurrent(p, set_ids),
        )
        for p in knowledge.patterns
    )
    return Plan(
        aux=aux,
        steps=tuple(steps),
        patterns=queries,
        set_ids=set_ids,
        count_rows=f"SELECT COUNT(*) AS n FROM {raw('drug_exposure')}",
        count_matched="SELECT COUNT(*) AS n FROM mrx_exposure",
    )
