"""Allergies as recorded, and which classes carry an allergy to their other members.

Before: an allergy to baclofen made tizanidine 'contraindicated' (both are skeletal muscle
relaxants, a class of use, not of structure); an allergy to oxybutynin did the same for
cyclobenzaprine (both anticholinergic). And an allergy written with its reaction ('Flexeril
(rash)', 'Carisoprodol: anaphylaxis') was 'not a drug known here', so the allergy to the very
drug ordered raised nothing. Now only a class whose members share a structure (flag
shared_hypersensitivity: benzodiazepines, carbamates) carries the allergy, graded major (a
possible cross-sensitivity the label does not name); the drug itself, a label-named
cross-reaction or the class recorded as the allergy stay contraindicated."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen


def allergy_alert(allergy: str, order: str) -> tuple[str, str] | None:
    report = evaluate_regimen(
        patient_from_data({"age_years": 50, "crcl_ml_min": 90, "allergies": [allergy]}),
        regimen_from([order]),
    )
    found = [(a.severity, a.recommendation) for a in report.alerts if a.code == "MRX-CI-002"]
    assert len(found) <= 1
    unread = [n for n in report.not_checked if n.kind == "allergy"]
    assert not unread, unread
    return found[0] if found else None


@pytest.mark.parametrize(
    ("allergy", "order"),
    [
        ("baclofen", "tizanidine 2 mg tid"),  # muscle relaxants: a class of use
        ("methocarbamol", "baclofen 5 mg tid"),
        ("oxybutynin", "cyclobenzaprine 5 mg tid"),  # anticholinergics: a class of effect
        ("diphenhydramine", "orphenadrine 100 mg bid"),
    ],
)
def test_a_class_of_use_or_effect_is_not_an_allergy_class(allergy: str, order: str) -> None:
    assert allergy_alert(allergy, order) is None


@pytest.mark.parametrize(
    ("allergy", "order"),
    [
        ("Flexeril (rash)", "cyclobenzaprine 5 mg tid"),
        ("Cyclobenzaprine Hcl - hives", "cyclobenzaprine 5 mg tid"),
        ("Carisoprodol: anaphylaxis", "carisoprodol 250 mg tid"),
        ("Baclofen [Lioresal]", "baclofen 5 mg tid"),
        ("meprobamate", "carisoprodol 250 mg tid"),  # the Soma label names the cross-reaction
        ("benzodiazepines", "diazepam 5 mg tid"),  # the class itself recorded as the allergy
        # a class as allergy lists write it (the group's synonyms in classes.yaml)
        ("benzos", "diazepam 2 mg tid"),
        ("Benzos (hives)", "diazepam 2 mg tid"),
        ("muscle relaxants", "carisoprodol 350 mg tid"),
        # several drugs in one entry
        ("carisoprodol/meprobamate", "carisoprodol 350 mg tid"),
        ("codeine, meprobamate", "carisoprodol 350 mg tid"),
    ],
)
def test_the_drug_a_labelled_cross_reaction_or_the_class_is_contraindicated(
    allergy: str, order: str
) -> None:
    found = allergy_alert(allergy, order)
    assert found is not None and found[0] == "contraindicated"


def test_another_benzodiazepine_is_a_possible_cross_sensitivity() -> None:
    found = allergy_alert("clonazepam (hives)", "diazepam 5 mg tid")
    assert found is not None
    severity, recommendation = found
    assert severity == "major"
    assert recommendation.startswith("Confirm the allergy history")


def test_an_allergy_that_names_no_drug_is_still_said() -> None:
    report = evaluate_regimen(
        patient_from_data({"age_years": 50, "crcl_ml_min": 90, "allergies": ["frobnitz - rash"]}),
        regimen_from(["baclofen 5 mg tid"]),
    )
    assert [n.reason for n in report.not_checked if n.kind == "allergy"] == ["unknown_allergy"]


def test_a_list_with_an_unknown_part_is_said_not_read_in_part() -> None:
    report = evaluate_regimen(
        patient_from_data({"age_years": 50, "allergies": ["carisoprodol/unknownium"]}),
        regimen_from(["carisoprodol 350 mg tid"]),
    )
    assert not [a for a in report.alerts if a.code == "MRX-CI-002"]
    assert any("carisoprodol/unknownium" in n.detail for n in report.not_checked)


@pytest.mark.parametrize(
    "allergy", ["sulfa", "Sulfa drugs", "sulfonamides", "penicillin", "PCN", "Penicillins"]
)
@pytest.mark.parametrize("order", ["cyclobenzaprine 5 mg tid", "baclofen 5 mg tid"])
def test_the_commonest_recorded_allergies_are_checked_not_said_unknown(
    allergy: str, order: str
) -> None:
    """'sulfa' and 'penicillin', on most allergy lists, were 'not a drug or class known here'
    (with 'did you mean Sular (nisoldipine)?'); they are classes (WHO ATC J01E, J01C) whose
    members are checked against the order, and no relaxant is one of them."""
    assert allergy_alert(allergy, order) is None
