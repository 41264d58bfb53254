"""Issue 19: the PK covariates read their clinical constants from the knowledge base, and a
recorded kidney failure without a creatinine clearance is never silent.

- The age from which a patient is in a covariate's `elderly` group is the covariate's cited
  `from_age` (21 CFR 201.57(c)(9)(v): 65), not a number in Python.
- Kidney failure (conditions.yaml, GFR below 15 by definition) with no CrCl: baclofen's renal
  covariate is evaluated at CrCl 15, the top of the band, and marked a lower bound; the notes and
  the comparison say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.clinical.recorded_conditions import recorded_kidney_function
from myorelax.knowledge.loader import load_knowledge_from
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.covariates import covariate_effects, individualise
from myorelax.pk.models import model_for
from myorelax.pk.simulate import simulate_regimen

CL_TIZANIDINE_ELDERLY = 0.25
BACLOFEN_CL = 11.63


def _age_factor(kb: KnowledgeBase, age: float) -> float:
    effects, _ = covariate_effects(kb.drugs["tizanidine"], patient_from_data({"age_years": age}))
    return next((e.factor for e in effects if e.cause == "age_group"), 1.0)


@pytest.mark.parametrize(("age", "factor"), [(64.9, 1.0), (65, CL_TIZANIDINE_ELDERLY), (80, 0.25)])
def test_the_elderly_group_starts_at_the_cited_age(
    kb: KnowledgeBase, age: float, factor: float
) -> None:
    assert _age_factor(kb, age) == factor


def test_the_elderly_age_is_read_from_the_covariate(kb_copy: Path) -> None:
    path = kb_copy / "drugs/tizanidine.yaml"
    data = yaml.safe_load(path.read_text())
    cov = next(c for c in data["pk"]["covariates"] if c.get("covariate") == "age_group")
    cov["from_age"]["value"] = 70
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    site = load_knowledge_from(kb_copy)
    assert _age_factor(site, 69) == 1.0
    assert _age_factor(site, 70) == CL_TIZANIDINE_ELDERLY


def _baclofen(kb: KnowledgeBase, patient: dict[str, Any]) -> Any:
    p = patient_from_data(patient)
    return individualise(
        model_for("baclofen", kb), kb.drugs["baclofen"], p, kidney=recorded_kidney_function(p, kb)
    )


ESRD = {"age_years": 58, "sex": "male", "weight_kg": 80, "conditions": ["kidney_failure"]}


def test_kidney_failure_without_a_crcl_is_evaluated_at_the_top_of_its_band(
    kb: KnowledgeBase,
) -> None:
    ind = _baclofen(kb, ESRD)
    assert ind.model.value("cl") == pytest.approx(BACLOFEN_CL * (0.163 + 0.837 * 15 / 100))
    (renal,) = [e for e in ind.model.effects if e.cause == "renal"]
    assert renal.lower_bound
    assert "evaluated at CrCl 15 mL/min" in renal.reason
    assert any("at least the one shown" in n for n in ind.notes)
    assert not any("Kidney function unknown" in n for n in ind.notes)


def test_a_condition_implying_kidney_failure_is_read_like_the_safety_check(
    kb: KnowledgeBase,
) -> None:
    p = patient_from_data({**ESRD, "conditions": ["reduced_kidney_function"]})
    kf = recorded_kidney_function(p, kb)
    assert kf.failure_gfr_below is None  # CKD unspecified puts no one below 15
    assert recorded_kidney_function(patient_from_data(ESRD), kb).failure_gfr_below == 15


def test_a_crcl_within_the_failure_band_is_used_as_given(kb: KnowledgeBase) -> None:
    ind = _baclofen(kb, {**ESRD, "crcl_ml_min": 10})
    assert ind.model.value("cl") == pytest.approx(BACLOFEN_CL * (0.163 + 0.837 * 10 / 100))
    assert not any(e.lower_bound for e in ind.model.effects)


def test_a_crcl_that_does_not_fit_kidney_failure_gives_way_to_the_band(kb: KnowledgeBase) -> None:
    """The kidney check's conservative reading: ESRD recorded with a CrCl of 70 is the G5 band."""
    ind = _baclofen(kb, {**ESRD, "crcl_ml_min": 70})
    assert ind.model.value("cl") == pytest.approx(BACLOFEN_CL * (0.163 + 0.837 * 15 / 100))
    assert any(e.lower_bound for e in ind.model.effects)
    assert any("does not fit it" in n for n in ind.notes)


def test_without_the_knowledge_of_the_condition_nothing_changes(kb: KnowledgeBase) -> None:
    """A caller that does not pass the kidney function gets the laboratory reading (no CrCl:
    typical clearance, said in a note), as before."""
    p = patient_from_data(ESRD)
    ind = individualise(model_for("baclofen", kb), kb.drugs["baclofen"], p)
    assert ind.model.value("cl") == pytest.approx(BACLOFEN_CL)
    assert any("Kidney function unknown" in n for n in ind.notes)


def test_tizanidine_kidney_category_is_known_in_kidney_failure(kb: KnowledgeBase) -> None:
    p = patient_from_data(ESRD)
    effects, notes = covariate_effects(
        kb.drugs["tizanidine"], p, kidney=recorded_kidney_function(p, kb)
    )
    assert any(e.cause == "crcl_below_25_ml_min" for e in effects)
    assert not any("kidney function not given" in n for n in notes)


def test_the_simulation_says_its_comparison_is_a_lower_bound(kb: KnowledgeBase) -> None:
    order = regimen_from(["baclofen 5 mg tid"]).orders[0]
    sim = simulate_regimen(order, patient_from_data(ESRD), kb, days=3, compare_normal=True)
    (c,) = sim.comparison
    assert c.lower_bound and c.auc_ratio > 2
    assert any("evaluated at CrCl 15 mL/min" in n for n in sim.notes)
    plain = simulate_regimen(
        order,
        patient_from_data({**ESRD, "conditions": [], "crcl_ml_min": 15}),
        kb,
        days=3,
        compare_normal=True,
    )
    assert not plain.comparison[0].lower_bound
    assert plain.comparison[0].auc_ratio == pytest.approx(c.auc_ratio, rel=1e-6)
