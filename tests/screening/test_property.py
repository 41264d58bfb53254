"""Property: for random exposures, the SQL gives what a day-by-day count in plain Python gives."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myorelax.screening.inputs import ArrowInput
from myorelax.screening.patterns import AGE_STATE, ScreeningKnowledge
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from tests.screening.omop import Omop, day_number, packaged_knowledge

DRUGS = (
    "carisoprodol",
    "oxycodone",
    "alprazolam",
    "methocarbamol",
    "tizanidine",
    "ciprofloxacin",
    "cyclobenzaprine",
    "phenelzine",
)
CODES = (
    "MRX-DDI-004",
    "MRX-DDI-003",
    "MRX-DUR-001",
    "MRX-DUP-001",
    "MRX-DDI-001",
    "MRX-DDI-002",
    "MRX-BEERS-004",
    "MRX-BEERS-003",
)
BASE = date(2022, 1, 1)
OLDER = {3}
KNOWLEDGE: ScreeningKnowledge = packaged_knowledge()

exposure = st.tuples(
    st.integers(1, 3),  # person
    st.sampled_from(DRUGS),
    st.integers(0, 60),  # start offset
    st.one_of(
        st.tuples(st.just("end"), st.integers(-2, 30)),
        st.tuples(st.just("supply"), st.integers(1, 30)),
        st.tuples(st.just("none"), st.just(0)),
    ),
)


def _end(start: int, how: str, n: int) -> int:
    if how == "end":
        return max(start, start + n)
    if how == "supply":
        return start + n - 1
    return start


def reference(
    exposures: list[tuple[int, str, int, tuple[str, int]]], grace: int
) -> dict[str, dict[int, int]]:
    """pattern -> person -> exposure days, counted day by day."""
    out: dict[str, dict[int, int]] = {c: {} for c in CODES}
    for person in {e[0] for e in exposures}:
        mine = [(d, s, _end(s, h, n)) for p, d, s, (h, n) in exposures if p == person]
        for code in CODES:
            pattern = KNOWLEDGE.pattern(code)
            members = [
                {i.id for i in KNOWLEDGE.drug_sets[k].ingredients} if k != AGE_STATE else set()
                for k in pattern.sets
            ]
            if pattern.kind == "long_course":
                spans = sorted((s, e, e + grace) for d, s, e in mine if d in members[0])
                eras: list[list[int]] = []
                for s, e, c in spans:
                    if eras and s <= eras[-1][2] + 1:
                        eras[-1][1] = max(eras[-1][1], e)
                        eras[-1][2] = max(eras[-1][2], c)
                    else:
                        eras.append([s, e, c])
                total = sum(
                    e - s + 1 for s, e, _ in eras if e - s + 1 > (pattern.longer_than_days or 0)
                )
            elif pattern.kind == "distinct":
                # Different ingredients of the one drug set on the same day (65 or older).
                (key,) = pattern.counted
                per_drug: dict[str, set[int]] = {}
                for d, s, e in mine:
                    if d in members[pattern.sets.index(key)]:
                        per_drug.setdefault(d, set()).update(range(s, e + grace + 1))
                older = person in OLDER or AGE_STATE not in pattern.required
                days = set().union(*per_drug.values()) if older else set()
                total = sum(
                    1 for x in days if sum(x in v for v in per_drug.values()) >= pattern.min_active
                )
            else:
                on = {
                    k: {x for d, s, e in mine if d in m for x in range(s, e + grace + 1)}
                    for k, m in zip(pattern.sets, members, strict=True)
                    if k != AGE_STATE
                }
                days = set().union(*on.values())
                older = person in OLDER  # 65 or older on every day of the test
                total = sum(
                    1
                    for x in days
                    if sum(x in on[k] for k in pattern.counted) >= pattern.min_active
                    and all(older if k == AGE_STATE else x in on[k] for k in pattern.required)
                    and (not pattern.one_of or any(x in on[k] for k in pattern.one_of))
                )
            if total:
                out[code][person] = total
    return out


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(exposure, min_size=1, max_size=12), st.integers(0, 3))
def test_sql_matches_a_day_by_day_count(
    exposures: list[tuple[int, str, int, tuple[str, int]]], grace: int
) -> None:
    # Person 3 is 71 on the first day: the age-gated patterns (MRX-DUP-001) can match them.
    o = Omop().person(1).person(2).person(3, birth="1950-06-15")
    for person, drug, start, (how, n) in exposures:
        s = BASE + timedelta(start)
        if how == "end":
            o.drug(person, drug, s.isoformat(), end=(s + timedelta(n)).isoformat())
        elif how == "supply":
            o.drug(person, drug, s.isoformat(), supply=n, by="source")
        else:
            o.drug(person, drug, s.isoformat())
    result = screen(ArrowInput(o.tables()), patterns=CODES, knowledge=KNOWLEDGE,
                    options=ScreeningOptions(grace_days=grace))  # fmt: skip
    rows = result.persons.to_pylist()
    got: dict[str, dict[int, int]] = {c: {} for c in CODES}
    for r in rows:
        got[r["code"]][r["person_id"]] = r["exposure_days"]
        assert day_number(r["first_date"]) <= day_number(r["last_date"])
    assert got == reference(exposures, grace)
    assert isinstance(result.persons, pa.Table)
