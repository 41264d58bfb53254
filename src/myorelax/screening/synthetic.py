"""Synthetic OMOP CDM v5.4 tables with planted patterns at known rates (vectorised, seeded).

Every person gets exactly one profile: one planted pattern, a near miss (a case built to fall
just outside a pattern), one screened non-relaxant drug taken alone (opioid, benzodiazepine,
CYP1A2 inhibitor or MAO inhibitor), or background only. Background rows (drugs outside the
screening, with concept ids the screening does not know) fill the drug_exposure table up to the
requested size. So the right answer is known: `SyntheticOmop.truth` lists, per pattern code,
the people who must be found with the default grace period of 0 days.

The data is synthetic: concept ids are the local ids of the shipped concept map (above
2,000,000,000, not Athena ids), unrelated drugs use ids from 2,090,000,000, and NDC-like source
values are random digits. Half of the screened exposures carry the concept id, the other half
only `drug_source_value` (the RxNorm code); a third give no end date (days supply only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from myorelax.screening.concepts import LOCAL_DRUG_BASE, code_rows
from myorelax.screening.patterns import (
    CNS_SET,
    ScreeningKnowledge,
    default_screening_knowledge,
)
from myorelax.screening.results import year_month_day

PLANTED = (
    "MRX-DDI-004",
    "MRX-DDI-003",
    "MRX-DUR-001",
    "MRX-DUP-001",
    "MRX-BEERS-001",
    "MRX-BEERS-004",
    "MRX-BEERS-003",
    "MRX-RENAL-001",
    "MRX-RENAL-002",
    "MRX-DDI-001",
    "MRX-DDI-002",
)
NEAR_MISS = "near_miss"
SINGLE = "single_drug"
BACKGROUND = "background"
PROFILES = (*PLANTED, NEAR_MISS, SINGLE, BACKGROUND)
# The patterns a planted profile triggers (the holy trinity is also an opioid + relaxant).
TRIGGERS: dict[str, tuple[str, ...]] = {p: (p,) for p in PLANTED} | {
    "MRX-DDI-004": ("MRX-DDI-004", "MRX-DDI-003"),
    "MRX-DUP-001": ("MRX-DUP-001", "MRX-BEERS-001"),
}
DEFAULT_RATES: dict[str, float] = dict.fromkeys(PLANTED, 0.01) | {NEAR_MISS: 0.03, SINGLE: 0.3}

UNRELATED_BASE = 2_090_000_000
UNRELATED_DRUGS = 5_000
PHARMACY_CLAIM = 32869  # OMOP Type Concept "Pharmacy claim"
FIRST_DAY = (date(2018, 1, 1) - date(1970, 1, 1)).days
LAST_DAY = (date(2023, 12, 31) - date(1970, 1, 1)).days
UNKNOWN = -1


@dataclass
class SyntheticOmop:
    """The tables (name -> Arrow table) and the people each pattern must find."""

    tables: dict[str, pa.Table]
    truth: dict[str, np.ndarray]
    profiles: np.ndarray = field(repr=False)

    def write(self, folder: Path, fmt: str = "parquet") -> Path:
        """Write one file per table (`person.parquet`, ...) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            if fmt == "parquet":
                pq.write_table(table, folder / f"{name}.parquet")
            else:
                pacsv.write_csv(table, folder / f"{name}.csv")
        return folder


class _Rows:
    """Accumulates columns as NumPy arrays, then builds one Arrow table."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, **cols: np.ndarray) -> None:
        for k, v in cols.items():
            self.parts.setdefault(k, []).append(np.asarray(v))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


class _Generator:
    def __init__(self, knowledge: ScreeningKnowledge, rng: np.random.Generator) -> None:
        self.k = knowledge
        self.rng = rng
        self.drugs = _Rows()
        self.meas = _Rows()
        self.cond = _Rows()
        ids = {c.kind + ":" + c.concept_code: c.concept_id for c in code_rows(knowledge)}
        self.concept = ids

    def codes(self, key: str) -> np.ndarray:
        return np.array([int(i.rxcui) for i in self.k.drug_sets[key].ingredients], np.int64)

    def _other_sets(self, *keep: str) -> set[int]:
        """RxCUIs of every drug set except `keep` and the CNS-active set of MRX-BEERS-003."""
        return {
            int(i.rxcui)
            for key, ds in self.k.drug_sets.items()
            if key not in keep and key != CNS_SET
            for i in ds.ingredients
        }

    def plain_benzodiazepines(self) -> np.ndarray:
        """Benzodiazepines in no other drug set (not an opioid partner such as diazepam)."""
        other = self._other_sets("benzodiazepines", "trigger:MRX-BEERS-004:1")
        return np.array([c for c in self.codes("benzodiazepines") if int(c) not in other])

    def plain_cns(self) -> np.ndarray:
        """CNS-active drugs of MRX-BEERS-003 that are in no other drug set."""
        other = self._other_sets()
        return np.array(sorted({int(c) for c in self.codes(CNS_SET)} - other), np.int64)

    def pick(self, key: str, n: int) -> np.ndarray:
        return self.rng.choice(self.codes(key), n)

    def drug(
        self,
        p: np.ndarray,
        rxcui: np.ndarray | int,
        start: np.ndarray,
        days: np.ndarray | int,
        mode: np.ndarray | None = None,
    ) -> None:
        n = len(p)
        rx = np.broadcast_to(np.asarray(rxcui, np.int64), (n,))
        d = np.broadcast_to(np.asarray(days, np.int64), (n,))
        # 0: end date and days supply; 1: days supply only; 2: end date only.
        m = self.rng.integers(0, 3, n) if mode is None else mode
        self.drugs.add(person=p, rxcui=rx, start=start, days=d, mode=m)

    def kidney(
        self, p: np.ndarray, day: np.ndarray, egfr: np.ndarray | None, scr: np.ndarray | None = None
    ) -> None:
        n = len(p)
        kind = np.full(n, 0 if egfr is not None else 1, np.int8)
        value = egfr if egfr is not None else scr
        self.meas.add(person=p, day=day, value=np.asarray(value, np.float64), kind=kind)

    def dialysis(self, p: np.ndarray, day: np.ndarray) -> None:
        n = len(p)
        self.cond.add(
            person=p, day=day, dialysis=np.ones(n, bool), by_concept=self.rng.random(n) < 0.5
        )


def _birth_for_age(rng: np.random.Generator, t0: np.ndarray, lo: int, hi: int) -> np.ndarray:
    ages = rng.integers(lo, hi + 1, len(t0))
    return t0 - np.round(ages * 365.25).astype(np.int64) - rng.integers(1, 360, len(t0))


def _plant(g: _Generator, profile: str, p: np.ndarray, birth: np.ndarray) -> None:
    rng = g.rng
    n = len(p)
    t0 = rng.integers(FIRST_DAY + 420, LAST_DAY - 420, n)
    older = ("MRX-BEERS-001", "MRX-DUP-001", "MRX-BEERS-004", "MRX-BEERS-003")  # from 65
    birth[p] = (
        _birth_for_age(rng, t0, 66, 90) if profile in older else _birth_for_age(rng, t0, 20, 60)
    )
    u = rng.integers
    if profile == "MRX-DDI-004":
        g.drug(p, g.codes("carisoprodol")[0], t0, 14)
        g.drug(p, g.pick("opioids", n), t0 + u(-10, 6, n), 30)
        g.drug(p, g.pick("benzodiazepines", n), t0 + u(-5, 6, n), 30)
    elif profile == "MRX-DDI-003":
        g.drug(p, g.pick("relaxants", n), t0, 10)
        g.drug(p, g.pick("opioids", n), t0 + u(-5, 6, n), 20)
    elif profile == "MRX-DUR-001":
        start = t0.copy()
        for _ in range(3):
            g.drug(p, g.codes("carisoprodol")[0], start, 10)
            start = start + 10 - u(0, 3, n)
    elif profile == "MRX-DUP-001":
        # One relaxant outside the exemption (and Beers-listed, so the person is also a
        # MRX-BEERS-001 case), with any other relaxant.
        relax = g.codes("relaxants")
        dup = g.k.pattern("MRX-DUP-001")
        allowed = {int(i.rxcui) for k in dup.one_of for i in g.k.drug_sets[k].ingredients}
        first = np.array([c for c in g.codes("beers_relaxants") if int(c) in allowed])
        a = rng.choice(first, n)
        b = np.array([rng.choice(relax[relax != x]) for x in a], dtype=np.int64)
        g.drug(p, a, t0, 10)
        g.drug(p, b, t0 + u(0, 9, n), 10)
    elif profile == "MRX-BEERS-001":
        g.drug(p, g.pick("beers_relaxants", n), t0, 7)
    elif profile == "MRX-BEERS-004":
        # A benzodiazepine that is not an opioid partner of MRX-DDI-003 (not diazepam).
        g.drug(p, g.pick("opioids", n), t0, 14)
        g.drug(p, rng.choice(g.plain_benzodiazepines(), n), t0 + u(-5, 10, n), 14)
    elif profile == "MRX-BEERS-003":
        # Three different CNS-active drugs that form no other pattern (no opioid, relaxant or
        # benzodiazepine: antidepressants, antipsychotics, Z-drugs, antiepileptics).
        pool = g.plain_cns()
        picks = np.array([rng.choice(pool, 3, replace=False) for _ in range(n)], np.int64)
        picks = picks.reshape(n, 3)
        g.drug(p, picks[:, 0], t0, 30)
        g.drug(p, picks[:, 1], t0 + u(0, 10, n), 30)
        g.drug(p, picks[:, 2], t0 + u(0, 20, n), 30)
    elif profile == "MRX-RENAL-001":
        g.drug(p, g.codes("baclofen")[0], t0, 30)
        g.kidney(p, t0 - 400, rng.uniform(75, 110, n))
        measured = rng.random(n) < 0.5
        low_day = t0 - u(1, 61, n)
        g.kidney(p[measured], low_day[measured], rng.uniform(8, 29, measured.sum()))
        g.kidney(p[~measured], low_day[~measured], None, rng.uniform(4.0, 7.0, (~measured).sum()))
    elif profile == "MRX-RENAL-002":
        g.drug(p, g.codes("baclofen")[0], t0, 30)
        g.dialysis(p, t0 - u(1, 366, n))
    elif profile == "MRX-DDI-001":
        g.drug(p, g.codes("tizanidine")[0], t0, 30)
        g.drug(p, g.pick("cyp1a2_inhibitors", n), t0 + u(0, 21, n), 7)
    elif profile == "MRX-DDI-002":
        g.drug(p, g.codes("cyclobenzaprine")[0], t0, 10)
        g.drug(p, g.pick("maois", n), t0 + u(-30, 6, n), 40)


def _near_miss(g: _Generator, p: np.ndarray, birth: np.ndarray) -> None:
    rng = g.rng
    n = len(p)
    t0 = rng.integers(FIRST_DAY + 420, LAST_DAY - 420, n)
    birth[p] = _birth_for_age(rng, t0, 20, 60)
    variant = rng.integers(0, 6, n)
    non_cari = np.array([c for c in g.codes("relaxants") if c != g.codes("carisoprodol")[0]])

    def sel(v: int) -> tuple[np.ndarray, np.ndarray]:
        m = variant == v
        return p[m], t0[m]

    q, t = sel(0)  # an opioid ending the day before a relaxant starts
    g.drug(q, g.pick("opioids", len(q)), t, 10)
    g.drug(q, rng.choice(non_cari, len(q)), t + 10, 10)
    q, t = sel(1)  # two carisoprodol fills with two uncovered days between them
    g.drug(q, g.codes("carisoprodol")[0], t, 10)
    g.drug(q, g.codes("carisoprodol")[0], t + 12, 10)
    q, t = sel(2)  # a Beers relaxant that ends before the 65th birthday
    g.drug(q, g.pick("beers_relaxants", len(q)), t, 7)
    target = t + 7 + rng.integers(1, 300, len(q))
    y, m, d = year_month_day(target)
    d = np.where((m == 2) & (d == 29), 28, d)
    birth[q] = np.array(
        [
            (date(int(a) - 65, int(b), int(c)) - date(1970, 1, 1)).days
            for a, b, c in zip(y, m, d, strict=True)
        ],
        dtype=np.int64,
    )
    q, t = sel(3)  # baclofen after a low eGFR that a later normal value replaced
    g.drug(q, g.codes("baclofen")[0], t, 30)
    g.kidney(q, t - 400, rng.uniform(8, 29, len(q)))
    g.kidney(q, t - 30, rng.uniform(60, 100, len(q)))
    q, t = sel(4)  # ciprofloxacin starting the day after tizanidine ends
    g.drug(q, g.codes("tizanidine")[0], t, 10)
    g.drug(
        q,
        int(
            next(
                i.rxcui
                for i in g.k.drug_sets["cyp1a2_inhibitors"].ingredients
                if i.id == "ciprofloxacin"
            )
        ),
        t + 10,
        7,
    )
    q, t = sel(5)  # an opioid without end date or days supply (one day), a relaxant the next day
    g.drug(q, g.pick("opioids", len(q)), t, 1, mode=np.full(len(q), 3))
    g.drug(q, rng.choice(non_cari, len(q)), t + 1, 10)


def generate(
    persons: int,
    exposures: int,
    *,
    seed: int = 0,
    rates: Mapping[str, float] | None = None,
    knowledge: ScreeningKnowledge | None = None,
) -> SyntheticOmop:
    """`persons` people and exactly `exposures` drug_exposure rows, with planted patterns."""
    k = knowledge or default_screening_knowledge()
    rng = np.random.default_rng(seed)
    rates = dict(DEFAULT_RATES if rates is None else rates)
    probs = np.array([rates.get(p, 0.0) for p in PROFILES[:-1]])
    if probs.sum() > 1 or (probs < 0).any():
        raise ValueError("profile rates must be non-negative and add up to at most 1")
    probs = np.append(probs, 1 - probs.sum())
    profile = rng.choice(len(PROFILES), size=persons, p=probs)
    person_id = np.arange(1, persons + 1, dtype=np.int64)
    birth = rng.integers(FIRST_DAY - 95 * 365, FIRST_DAY - 1 * 365, persons)
    g = _Generator(k, rng)
    for i, name in enumerate(PROFILES):
        idx = np.flatnonzero(profile == i)
        if name in PLANTED:
            _plant(g, name, idx, birth)
        elif name == NEAR_MISS:
            _near_miss(g, idx, birth)
    planted = g.drugs.arrays() if g.drugs.parts else {}
    n_planted = len(planted.get("person", ()))
    if n_planted > exposures:
        raise ValueError(f"{exposures} rows cannot hold the {n_planted} planted exposures")
    _filler(g, exposures - n_planted, persons, profile, k)
    _background_measurements(g, profile, rng)
    tables = _tables(g, person_id, birth, rng)
    truth = {
        code: np.sort(
            person_id[
                np.isin(profile, [PROFILES.index(p) for p, t in TRIGGERS.items() if code in t])
            ]
        )
        for code in PLANTED
    }
    return SyntheticOmop(tables=tables, truth=truth, profiles=np.array(PROFILES)[profile])


def _filler(
    g: _Generator, n: int, persons: int, profile: np.ndarray, k: ScreeningKnowledge
) -> None:
    rng = g.rng
    if n <= 0:
        return
    who = rng.integers(0, persons, n)
    start = rng.integers(FIRST_DAY, LAST_DAY, n)
    days = rng.choice(np.array([7, 14, 30, 90]), n)
    rx = np.full(n, UNKNOWN, np.int64)
    single = np.flatnonzero(profile == PROFILES.index(SINGLE))
    if len(single):
        pool = np.concatenate(
            [g.codes(s) for s in ("opioids", "benzodiazepines", "cyp1a2_inhibitors", "maois")]
        )
        # Alone, none of them may form a pattern: not a Beers-listed drug (diazepam), which
        # MRX-BEERS-001 finds on its own at 65.
        pool = pool[~np.isin(pool, g.codes("beers_relaxants"))]
        own = np.zeros(persons, np.int64)
        own[single] = rng.choice(pool, len(single))
        mine = (own[who] != 0) & (rng.random(n) < 0.5)
        rx[mine] = own[who[mine]]
    g.drug(who, rx, start, days)


def _background_measurements(g: _Generator, profile: np.ndarray, rng: np.random.Generator) -> None:
    bg = np.flatnonzero(np.isin(profile, [PROFILES.index(p) for p in (SINGLE, BACKGROUND)]))
    some = bg[rng.random(len(bg)) < 0.3]
    g.kidney(some, rng.integers(FIRST_DAY, LAST_DAY, len(some)), rng.uniform(60, 110, len(some)))
    scr = bg[rng.random(len(bg)) < 0.2]
    g.kidney(
        scr, rng.integers(FIRST_DAY, LAST_DAY, len(scr)), None, rng.uniform(0.6, 1.1, len(scr))
    )
    low = bg[rng.random(len(bg)) < 0.02]
    g.kidney(low, rng.integers(FIRST_DAY, LAST_DAY, len(low)), rng.uniform(5, 29, len(low)))
    dia = bg[rng.random(len(bg)) < 0.01]
    g.dialysis(dia, rng.integers(FIRST_DAY, LAST_DAY, len(dia)))
    other = bg[rng.random(len(bg)) < 0.2]
    g.cond.add(
        person=other,
        day=rng.integers(FIRST_DAY, LAST_DAY, len(other)),
        dialysis=np.zeros(len(other), bool),
        by_concept=np.zeros(len(other), bool),
    )


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(days.astype(np.int32), pa.int32(), mask=None if valid is None else ~valid)
    return arr.cast(pa.date32())


def _tables(
    g: _Generator, person_id: np.ndarray, birth: np.ndarray, rng: np.random.Generator
) -> dict[str, pa.Table]:
    y, m, d = year_month_day(birth)
    gender = rng.choice(np.array([8507, 8532, 0]), len(person_id), p=[0.49, 0.49, 0.02])
    person = pa.table(
        {
            "person_id": person_id,
            "gender_concept_id": gender.astype(np.int64),
            "year_of_birth": y.astype(np.int32),
            "month_of_birth": m.astype(np.int32),
            "day_of_birth": d.astype(np.int32),
            "race_concept_id": np.zeros(len(person_id), np.int64),
            "ethnicity_concept_id": np.zeros(len(person_id), np.int64),
        }
    )

    a = g.drugs.arrays()
    n = len(a["person"])
    order = np.lexsort((a["start"], a["person"]))
    a = {k: v[order] for k, v in a.items()}
    rx, mode, days = a["rxcui"], a["mode"], a["days"]
    known = rx != UNKNOWN
    by_concept = rng.random(n) < 0.5
    concept = np.where(
        known,
        np.where(by_concept, LOCAL_DRUG_BASE + rx, 0),
        UNRELATED_BASE + rng.integers(0, UNRELATED_DRUGS, n),
    )
    ndc = pa.array(rng.integers(10**10, 10**11, n)).cast(pa.string())
    source = pc.if_else(pa.array(known), pa.array(rx).cast(pa.string()), ndc)
    end = a["start"] + days - 1
    drug = pa.table(
        {
            "drug_exposure_id": np.arange(1, n + 1, dtype=np.int64),
            "person_id": person_id[a["person"]],
            "drug_concept_id": concept.astype(np.int64),
            "drug_exposure_start_date": _dates(a["start"]),
            "drug_exposure_end_date": _dates(end, (mode == 0) | (mode == 2)),
            "days_supply": pa.array(days.astype(np.int32), mask=(mode == 2) | (mode == 3)),
            "drug_type_concept_id": np.full(n, PHARMACY_CLAIM, np.int64),
            "drug_source_value": source,
        }
    )

    mm: dict[str, np.ndarray] = (
        g.meas.arrays()
        if g.meas.parts
        else {
            "person": np.zeros(0, np.int64),
            "day": np.zeros(0, np.int64),
            "value": np.zeros(0),
            "kind": np.zeros(0, np.int8),
        }
    )
    nm = len(mm["person"])
    egfr = mm["kind"] == 0
    loinc = np.where(egfr, "98979-8", "2160-0")
    cid = np.where(egfr, g.concept["egfr:98979-8"], g.concept["creatinine:2160-0"])
    by_c = rng.random(nm) < 0.5
    measurement = pa.table(
        {
            "measurement_id": np.arange(1, nm + 1, dtype=np.int64),
            "person_id": person_id[mm["person"]],
            "measurement_concept_id": np.where(by_c, cid, 0).astype(np.int64),
            "measurement_date": _dates(mm["day"]),
            "value_as_number": np.round(mm["value"], 2),
            "unit_concept_id": np.where(
                egfr, 0, np.where(by_c, g.concept["unit_mg_dl:mg/dL"], 0)
            ).astype(np.int64),
            "unit_source_value": np.where(egfr, "mL/min/{1.73_m2}", "mg/dL"),
            "measurement_source_value": loinc,
        }
    )

    cc: dict[str, np.ndarray] = (
        g.cond.arrays()
        if g.cond.parts
        else {
            "person": np.zeros(0, np.int64),
            "day": np.zeros(0, np.int64),
            "dialysis": np.zeros(0, bool),
            "by_concept": np.zeros(0, bool),
        }
    )
    nc = len(cc["person"])
    dia, byc = cc["dialysis"], cc["by_concept"]
    condition = pa.table(
        {
            "condition_occurrence_id": np.arange(1, nc + 1, dtype=np.int64),
            "person_id": person_id[cc["person"]],
            "condition_concept_id": np.where(dia & byc, g.concept["dialysis:714152005"], 0).astype(
                np.int64
            ),
            "condition_start_date": _dates(cc["day"]),
            "condition_end_date": pa.nulls(nc, pa.date32()),
            "condition_source_value": np.where(dia, np.where(byc, "714152005", "Z99.2"), "I10"),
        }
    )

    rows = code_rows(g.k)
    concept_t = pa.table(
        {
            "concept_id": [r.concept_id for r in rows],
            "concept_name": [r.concept_name for r in rows],
            "domain_id": [
                {"drug": "Drug", "dialysis": "Condition", "unit_mg_dl": "Unit"}.get(
                    r.kind, "Measurement"
                )
                for r in rows
            ],
            "vocabulary_id": [r.vocabulary_id for r in rows],
            "concept_class_id": [
                "Ingredient" if r.kind == "drug" else "Clinical Finding" for r in rows
            ],
            "standard_concept": ["S"] * len(rows),
            "concept_code": [r.concept_code for r in rows],
        }
    )
    return {
        "person": person,
        "drug_exposure": drug,
        "measurement": measurement,
        "condition_occurrence": condition,
        "concept": concept_t,
    }


def main(argv: list[str] | None = None) -> None:
    """`python -m myorelax.screening.synthetic FOLDER [--persons N] [--rows N] [--seed S] [--csv]`"""
    import argparse

    ap = argparse.ArgumentParser(description="Write synthetic OMOP tables with planted patterns.")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--rows", type=int, default=200_000, help="drug_exposure rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--csv", action="store_true", help="CSV instead of Parquet")
    args = ap.parse_args(argv)
    data = generate(args.persons, args.rows, seed=args.seed)
    data.write(args.folder, "csv" if args.csv else "parquet")
    planted = ", ".join(f"{c} {len(v)}" for c, v in data.truth.items())
    print(
        f"wrote {args.folder}: {args.persons} people, {args.rows} drug exposures; planted {planted}"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
