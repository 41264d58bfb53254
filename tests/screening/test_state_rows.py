"""Whose state rows (age, eGFR, dialysis) the screening keeps: only people holding a drug the
patterns pair the state with, unless a pattern can hold without any drug."""

from __future__ import annotations

import pyarrow as pa

from myorelax.screening.inputs import ArrowInput
from myorelax.screening.patterns import EGFR_STATE, ScreeningKnowledge
from myorelax.screening.run import screen
from myorelax.screening.sql import Dialect, build_plan
from tests.screening.omop import Omop, day_number, days, packaged_knowledge

INVENTORY = {
    "person": frozenset({"person_id", "year_of_birth", "gender_concept_id"}),
    "drug_exposure": frozenset({"person_id", "drug_concept_id", "drug_exposure_start_date"}),
    "measurement": frozenset({"person_id", "measurement_date", "value_as_number"}),
    "condition_occurrence": frozenset({"person_id", "condition_start_date"}),
}


def with_state_only_pattern() -> ScreeningKnowledge:
    """The packaged knowledge plus a pattern of two states and no drug (old, low eGFR)."""
    k = packaged_knowledge()
    renal = next(p for p in k.patterns if EGFR_STATE in p.sets)
    states = renal.model_copy(update={"code": "TEST-STATES", "sets": (EGFR_STATE, "age_beers")})
    return k.model_copy(update={"patterns": (*k.patterns, states)})


def step(knowledge: ScreeningKnowledge, name: str) -> str:
    plan = build_plan(knowledge, INVENTORY, Dialect("duckdb"))
    return next(s.sql for s in plan.steps if s.name == name)


def test_kidney_rows_only_for_people_holding_a_partner_drug() -> None:
    assert "mrx_held" in step(packaged_knowledge(), "mrx_kidney")
    assert "mrx_held" in step(packaged_knowledge(), "mrx_dialysis")
    # A pattern that holds without a drug needs everyone's eGFR and age rows.
    assert "mrx_held" not in step(with_state_only_pattern(), "mrx_kidney")
    assert "mrx_held" in step(with_state_only_pattern(), "mrx_dialysis")


def test_a_pattern_of_states_only_finds_people_without_drugs() -> None:
    o = Omop().person(1, birth="1950-06-15").person(2, birth="1990-02-28").person(3)
    for p in (1, 2):
        o.egfr(p, "2021-06-01", 20).egfr(p, "2021-06-11", 80)  # low for 10 days
    o.drug(3, "tizanidine", "2021-06-01", supply=10)
    o.egfr(3, "2021-06-01", 20).egfr(3, "2021-06-11", 80)  # not 65: not flagged
    knowledge = with_state_only_pattern()
    got = screen(ArrowInput(o.tables()), knowledge=knowledge).persons
    rows = got.filter(pa.compute.equal(got.column("code"), "TEST-STATES")).to_pylist()
    first, last = min(days("2021-06-01", "2021-06-01")), min(days("2021-06-10", "2021-06-10"))
    assert [
        (r["person_id"], day_number(r["first_date"]), day_number(r["last_date"]),
         r["exposure_days"]) for r in rows
    ] == [(1, first, last, 10)]  # fmt: skip
