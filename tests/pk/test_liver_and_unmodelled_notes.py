"""What the patient has that a drug's model does not carry is said in the simulation's notes,
and a liver effect studied in a milder grade than the patient's is given as a lower bound."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.sig import parse_sig
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.simulate import simulate_regimen


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


def test_diazepam_in_cirrhosis_halves_clearance_and_says_the_metabolite_is_not_modelled(
    kb: KnowledgeBase,
) -> None:
    """Valium label, CLINICAL PHARMACOLOGY (Special Populations): in mild to moderate
    cirrhosis clearance falls by about half (AUC about x2); desmethyldiazepam, the active
    metabolite, is not in the model and that is said."""
    sim = simulate_regimen(
        parse_sig("diazepam 10 mg once"), patient_from_data({"child_pugh": "A"}), kb,
        days=3, compare_normal=True,
    )  # fmt: skip
    (cmp,) = [c for c in sim.comparison if c.analyte == "diazepam"]
    assert cmp.auc_ratio == pytest.approx(2.0, rel=0.02)
    assert any("desmethyldiazepam" in n for n in sim.notes)


def test_a_grade_beyond_the_study_is_at_least(kb: KnowledgeBase) -> None:
    """Cyclobenzaprine's liver effect was studied in mild impairment (Winchell 2002): in
    Child-Pugh C the effect is applied as a lower bound and the note says so."""
    sim = simulate_regimen(
        parse_sig("cyclobenzaprine 10 mg tablet tid"), patient_from_data({"child_pugh": "C"}),
        kb, days=3, compare_normal=True,
    )  # fmt: skip
    assert sim.comparison and all(c.lower_bound for c in sim.comparison)
    assert any("studied in mild liver impairment only" in n for n in sim.notes)


def test_liver_impairment_without_a_model_effect_is_said(kb: KnowledgeBase) -> None:
    """Tizanidine's label (12.3) says the effect of hepatic impairment was not studied and
    exposure is expected to rise: the model has no liver effect, and the notes say so rather
    than show a normal exposure silently."""
    sim = simulate_regimen(
        parse_sig("tizanidine 4 mg once"), patient_from_data({"child_pugh": "B"}), kb, days=2
    )
    assert any("Liver impairment (moderate)" in n and "not modelled" in n for n in sim.notes)
