"""Interactions are found whichever drug of a pair carries the monograph, and interactions that
outlast the last dose (a washout) also count for a drug being stopped (audit items 1 and 2)."""

from __future__ import annotations

from myorelax import evaluate_regimen, patient_from_data, regimen_from
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.safety.alert import Alert

ADULT = {"age_years": 50, "sex": "male", "weight_kg": 80, "scr_mg_dl": 1.0, "allergies": []}


def ddi(
    meds: list[str], orders: list[str], stopping: list[str] | None = None
) -> dict[tuple[str, ...], Alert]:
    patient = patient_from_data({**ADULT, "medications": meds})
    report = evaluate_regimen(patient, regimen_from(orders, stopping or []))
    return {(a.code, *sorted(a.drugs)): a for a in report.alerts if a.code.startswith("MRX-DDI")}


def test_new_ciprofloxacin_for_a_patient_on_tizanidine_is_contraindicated() -> None:
    """Zanaflex label 4/7.2: ciprofloxacin (a potent CYP1A2 inhibitor) raises tizanidine AUC
    about 10-fold; it is contraindicated whichever of the two is the new order. The interaction
    is written on tizanidine's monograph only, so it must be looked up from the current drug."""
    found = ddi(["tizanidine 4 mg tid"], ["ciprofloxacin 500 mg bid"])
    alert = found[("MRX-DDI-001", "ciprofloxacin", "tizanidine")]
    assert alert.severity == "contraindicated"
    assert "Ciprofloxacin is the new order" in alert.detail


def test_new_alprazolam_for_a_patient_on_carisoprodol_is_reported() -> None:
    """Carisoprodol label: additive CNS depression with benzodiazepines; a new benzodiazepine
    for a patient already on carisoprodol is the same risk as the other way round."""
    found = ddi(["carisoprodol 350 mg tid"], ["alprazolam 0.5 mg tid"])
    assert any("alprazolam" in k and "carisoprodol" in k for k in found), found


def test_two_current_drugs_stay_out_of_an_order_check() -> None:
    """Alert fatigue: tizanidine with ciprofloxacin already taken together is not what a new,
    unrelated order asks about; only pairs with an order in them are reported."""
    found = ddi(["tizanidine 4 mg tid", "ciprofloxacin 500 mg bid"], ["amoxicillin 500 mg tid"])
    assert not any("tizanidine" in k for k in found), found


def test_a_review_of_current_therapy_still_reports_current_pairs() -> None:
    """With no orders the check is a review of what the patient takes: every pair counts."""
    found = ddi(["tizanidine 4 mg tid", "ciprofloxacin 500 mg bid"], [])
    assert ("MRX-DDI-001", "ciprofloxacin", "tizanidine") in found


def test_cyclobenzaprine_with_an_maoi_being_stopped_is_contraindicated() -> None:
    """Cyclobenzaprine label, CONTRAINDICATIONS: not with MAO inhibitors or within 14 days after
    their discontinuation. A phenelzine being stopped now is within the 14 days, and the alert
    says how long the interaction lasts."""
    found = ddi([], ["cyclobenzaprine 5 mg tid"], ["phenelzine 15 mg tid"])
    alert = found[("MRX-DDI-002", "cyclobenzaprine", "phenelzine")]
    assert alert.severity == "contraindicated"
    assert "14 days" in alert.detail and "is being stopped" in alert.detail


def test_a_drug_being_stopped_without_a_washout_is_not_reported() -> None:
    """The serotonin-syndrome warning for SSRIs (cyclobenzaprine label, WARNINGS) is about
    taking both; the label gives no time after stopping, so a sertraline being stopped is not
    an interaction partner."""
    found = ddi([], ["cyclobenzaprine 5 mg tid"], ["sertraline 50 mg qd"])
    assert not any("sertraline" in k for k in found), found


def test_the_maoi_washout_is_cited_data(kb: KnowledgeBase) -> None:
    """The 14 days are knowledge, cited to the label's CONTRAINDICATIONS section."""
    x = next(i for i in kb.drugs["cyclobenzaprine"].interactions if i.id == "cyclobenzaprine-maois")
    assert x.washout is not None
    assert (x.washout.value, x.washout.unit) == (14, "day")
    assert x.washout.source == "dm-cyclobenzaprine-tablets"
    assert x.washout.section == "CONTRAINDICATIONS"
