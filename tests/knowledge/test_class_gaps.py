"""Class members that were missing from the drug classes (audit findings).

Each case is a co-medication that gave no alert before its ingredient was filed in a class: an
opioid not in the opioid class beside carisoprodol, a benzodiazepine, barbiturate or other CNS
depressant beside a muscle relaxant, an antiepileptic counted by the Beers 'three or more
CNS-active drugs' criterion, cimetidine with diazepam (Valium label) and a strong anticholinergic
with cyclobenzaprine. Medications given by RxCUI are clinical drugs of the shipped product index.
"""

from __future__ import annotations

from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge
from myorelax.safety.engine import evaluate_regimen

PATIENT: dict[str, Any] = {
    "age_years": 50,
    "sex": "male",
    "weight_kg": 80,
    "scr_mg_dl": 1.0,
    "allergies": [],
}


def alerts(orders: list[str], meds: list[str], **patient: Any) -> set[tuple[str, str]]:
    """(code, other drug) of each alert; other drug is the drug that is not the ordered one."""
    report = evaluate_regimen(
        patient_from_data({**PATIENT, **patient, "medications": meds}), regimen_from(orders)
    )
    return {(a.code, d) for a in report.alerts for d in a.drugs}


@pytest.mark.parametrize(
    ("med", "ingredient"),
    [
        ("2392234", "oliceridine"),  # 1 ML oliceridine 1 MG/ML Injection
        ("propoxyphene 65 mg q4h", "propoxyphene"),
    ],
)
def test_carisoprodol_with_an_opioid_newly_in_the_class(med: str, ingredient: str) -> None:
    assert ("MRX-DDI-003", ingredient) in alerts(["carisoprodol 350 mg tid"], [med])


def test_propoxyphene_stays_in_its_own_group_for_orphenadrine() -> None:
    kb = load_knowledge()
    names = {m.name for m in kb.groups["propoxyphene"].members}
    assert names == {"propoxyphene"}
    assert "propoxyphene" in {m.name for m in kb.groups["opioids"].members}


@pytest.mark.parametrize(
    ("med", "ingredient"),
    [
        ("1149627", "clorazepate"),  # clorazepate dipotassium 7.5 MG Oral Tablet [Tranxene]
        ("198183", "quazepam"),  # quazepam 15 MG Oral Tablet
        ("1100907", "butalbital"),  # acetaminophen / butalbital / caffeine [Capacet]
        ("201625", "secobarbital"),  # secobarbital sodium 100 MG Oral Capsule [Seconal]
        ("1099882", "pentobarbital"),  # pentobarbital sodium 392 MG/ML Injectable Solution
        ("1251600", "butabarbital"),  # butabarbital sodium 100 MG Oral Tablet
        ("201628", "amobarbital"),  # amobarbital sodium 500 MG Injection [Amytal]
        ("197923", "mephobarbital"),  # mephobarbital 100 MG Oral Tablet
        ("2636822", "sodium oxybate"),  # sodium oxybate 4500 MG Granules
        ("2393794", "sodium oxybate"),  # mixed oxybate salts [Xywav]
        ("104680", "chloral hydrate"),  # chloral hydrate 414 MG Oral Tablet
    ],
)
def test_carisoprodol_with_a_cns_depressant_newly_in_a_class(med: str, ingredient: str) -> None:
    got = alerts(["carisoprodol 350 mg tid"], [med])
    assert any(code.startswith("MRX-DDI-") and d == ingredient for code, d in got), got


def test_an_antiepileptic_counts_toward_beers_three_cns_active_drugs() -> None:
    got = alerts(
        ["tizanidine 2 mg tid"],
        ["levetiracetam 500 mg bid", "sertraline 50 mg daily"],
        age_years=72,
    )
    assert ("MRX-BEERS-003", "levetiracetam") in got


def test_every_antiepileptic_carries_the_beers_flag() -> None:
    kb = load_knowledge()
    group = kb.groups["antiepileptics"]
    assert "cns_active_beers" in group.flags
    names = {m.name for m in group.members}
    assert {"levetiracetam", "lamotrigine", "carbamazepine", "valproic acid", "phenytoin"} <= names


def test_diazepam_with_cimetidine_by_brand() -> None:
    got = alerts(["diazepam 5 mg tid"], ["Tagamet 400 mg bid"])
    assert ("MRX-DDI-001", "cimetidine") in got


@pytest.mark.parametrize("ingredient", ["benztropine", "hyoscyamine"])
def test_cyclobenzaprine_with_a_strong_anticholinergic(ingredient: str) -> None:
    got = alerts(["cyclobenzaprine 5 mg tid"], [f"{ingredient} 0.5 mg bid"])
    assert ("MRX-DDI-005", ingredient) in got


def test_the_cns_depressant_class_holds_every_member_of_its_classes() -> None:
    """cns_depressants is written as the union of the classes flagged cns_depressant (its note);
    a member left out of it was silent beside every relaxant whose interaction names that class
    (a medication recorded only as 'tricyclic antidepressant'; prochlorperazine, a
    phenothiazine, was in no CNS-depressant class at all)."""
    groups = load_knowledge().groups
    union = {m.name for m in groups["cns_depressants"].members}
    missing = {
        gid: [m.name for m in g.members if m.name not in union]
        for gid, g in groups.items()
        if gid != "cns_depressants" and "cns_depressant" in g.flags
    }
    assert not {k: v for k, v in missing.items() if v}
    assert "prochlorperazine" in union


@pytest.mark.parametrize(
    ("order", "med", "code", "other"),
    [
        ("baclofen 5 mg tid", "prochlorperazine 10 mg tid", "MRX-DDI-003", "prochlorperazine"),
        ("tizanidine 2 mg tid", "tricyclic antidepressant", "MRX-DDI-003",
         "tricyclic antidepressant (unspecified)"),
        ("diazepam 2 mg tid", "bupropion 150 mg bid", "MRX-DDI-003", "bupropion"),
        ("diazepam 2 mg tid", "buspirone 10 mg bid", "MRX-DDI-003", "buspirone"),
        ("metaxalone 800 mg tid", "Kytril 1 mg bid", "MRX-DDI-002", "granisetron"),
        ("methocarbamol 750 mg qid", "Mytelase 10 mg tid", "MRX-DDI-005", "ambenonium"),
    ],
)  # fmt: skip
def test_drugs_the_interaction_texts_name_raise_them(
    order: str, med: str, code: str, other: str
) -> None:
    assert (code, other) in alerts([order], [med])
