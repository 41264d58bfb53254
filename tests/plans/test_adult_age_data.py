"""Issue 19: the age of adulthood is knowledge (patient_states.yaml `adult_from_age`, ICH E11 with
the US labeling rule's 16 years recorded beside it), not `18` written in the dose check and the
plans. At 17.9 a taper is refused as a child's, at 18 it is built; a site that sets 16 builds it
at 17; a value that is not an age in years is a load error naming the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.patient import Patient
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.knowledge.loader import load_knowledge, load_knowledge_from, validate_knowledge
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.plans.taper import plan_taper
from tests.knowledge_edits import edit_yaml as _edit

STATES = "patient_states.yaml"


def _taper(age: float, kb: KnowledgeBase) -> None:
    patient = Patient(age_years=age, sex="male", weight_kg=70, scr_mg_dl=0.9)
    plan_taper(parse_sig("baclofen 10 mg tid"), patient, kb=kb, start=date(2026, 12, 7))


def test_the_packaged_age_is_18_with_the_disagreeing_16_recorded() -> None:
    adult = load_knowledge().patient_states.adult_from_age
    assert (adult.value, adult.unit, adult.source) == (18, "year", "ich-e11")
    assert [(a.value, a.source) for a in adult.also_reported] == [(16, "cfr-201-57")]


def test_a_taper_is_refused_below_the_age_and_built_from_it() -> None:
    kb = load_knowledge()
    with pytest.raises(InputError) as err:
        _taper(17.9, kb)
    assert err.value.field == "age"
    _taper(18, kb)


def test_a_site_that_sets_16_plans_for_a_17_year_old(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["adult_from_age"].update(value=16))
    _taper(17, load_knowledge_from(kb_copy))


@pytest.mark.parametrize("change", [{"value": 40}, {"unit": "mg"}, {"source": None}])
def test_an_adult_age_that_is_not_an_age_is_a_load_error(
    kb_copy: Path, change: dict[str, Any]
) -> None:
    _edit(kb_copy / STATES, lambda d: d["adult_from_age"].update(change))
    kb, problems = validate_knowledge(kb_copy)
    assert kb is None
    assert any(f == STATES and p.startswith("adult_from_age") for f, p, _ in problems), problems
