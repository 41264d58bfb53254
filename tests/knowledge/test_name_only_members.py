"""Class members known by name only: an ingredient whose RxCUI could not be confirmed is listed
in its class without one (with a note saying why), found by name, brand and synonym, never by an
empty code; the safety check alerts on it, and the screening (keyed on RxCUIs) says it could not
screen it. Before, such drugs were left out of their class and missed silently (carisoprodol
with Apadaz, RxNorm product 2001358, raised nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import UnknownDrugError
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.terminology import default_terminology
from myorelax.safety.engine import evaluate_regimen
from myorelax.screening.inputs import ArrowInput
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from tests.conftest import CliRunner
from tests.knowledge_edits import edit_yaml, load_problems
from tests.screening.omop import Omop, packaged_knowledge

NAME_ONLY = {
    "benzhydrocodone": {"opioids", "cns_depressants"},
    "remimazolam": {"benzodiazepines", "cns_depressants"},
    "suvorexant": {"cns_depressants"},
    "lemborexant": {"cns_depressants"},
    "eslicarbazepine": {"antiepileptics"},
    "perampanel": {"antiepileptics"},
    "cenobamate": {"antiepileptics"},
    "daridorexant": {"cns_depressants"},
    "dronabinol": {"cns_depressants"},
    "zuranolone": {"cns_depressants"},
    "pindolol": {"antihypertensives"},
    "nicardipine": {"antihypertensives", "calcium_channel_blockers_dhp"},
    "granisetron": {"serotonergic_metaxalone"},
    "dolasetron": {"serotonergic_metaxalone"},
    "palonosetron": {"serotonergic_metaxalone"},
    "neostigmine": {"anticholinesterases_myasthenia"},
    "ambenonium": {"anticholinesterases_myasthenia"},
    "chlorothiazide": {"antihypertensives"},
    "lofexidine": {"alpha2_agonists"},
    "estrogens, conjugated (usp)": {"estrogens"},
    "estrogens, esterified (usp)": {"estrogens"},
}


def _alerts(med: str, order: str = "carisoprodol 350 mg tid") -> dict[str, tuple[str, ...]]:
    report = evaluate_regimen(
        patient_from_data({"age_years": 50, "crcl_ml_min": 90, "medications": [med]}),
        regimen_from([order]),
    )
    return {a.code: a.drugs for a in report.alerts}


def test_the_members_are_listed_without_a_code_and_with_a_note() -> None:
    kb = load_knowledge()
    for name, groups in NAME_ONLY.items():
        found = {g.id: m for g in kb.groups.values() for m in g.members if m.name == name}
        assert set(found) == groups, name
        for m in found.values():
            assert m.rxcui is None
            assert m.note and "RxCUI not confirmed" in m.note


def test_they_are_found_by_name_and_brand_never_by_an_empty_code() -> None:
    term = default_terminology()
    for written, ingredient in (
        ("benzhydrocodone", "benzhydrocodone"),
        ("Apadaz", "benzhydrocodone"),
        ("Belsomra", "suvorexant"),
        ("Dayvigo", "lemborexant"),
        ("Byfavo", "remimazolam"),
        ("eslicarbazepine acetate", "eslicarbazepine"),
        ("Quviviq", "daridorexant"),
        ("Syndros", "dronabinol"),
        ("Zurzuvae", "zuranolone"),
        ("Cardene", "nicardipine"),
        ("Lucemyra", "lofexidine"),
        ("Xcopri", "cenobamate"),
    ):
        ing = term.resolve(written).ingredient
        assert (ing.id, ing.rxcui) == (ingredient, ""), written
    assert "opioids" in term.resolve("Apadaz").ingredient.groups
    with pytest.raises(UnknownDrugError):
        term.resolve_code("")


def test_carisoprodol_with_apadaz_by_code_raises_the_opioid_interaction(
    run_cli: CliRunner,
) -> None:
    """RxNorm product 2001358 (acetaminophen 325 MG / benzhydrocodone 6.12 MG Oral Tablet) is in
    the shipped product index; its benzhydrocodone is now an opioid."""
    assert "benzhydrocodone" in _alerts("2001358")["MRX-DDI-003"]
    done = run_cli(
        "check",
        "--order",
        "carisoprodol 350 mg tid",
        "--med",
        "2001358",
        "--age",
        "50",
        "--allergy",
        "none",
        "--not-pregnant",
        "--not-lactating",
        "--crcl",
        "90",
    )
    assert "MRX-DDI-003" in done.stdout, done.stdout + done.stderr
    assert "benzhydrocodone" in done.stdout


def test_an_orexin_antagonist_with_carisoprodol_is_a_cns_depressant_interaction() -> None:
    for med in ("suvorexant 10 mg qhs", "Belsomra 10 mg qhs", "Dayvigo 5 mg qhs"):
        drugs = _alerts(med).get("MRX-DDI-003", ())
        assert {"carisoprodol"} < set(drugs), med


def test_daridorexant_and_dronabinol_are_cns_depressants_from_their_own_labels() -> None:
    """Quviviq (2022), dronabinol and Zurzuvae (2023) are in no CDC value set here; their labels
    warn of additive CNS depression. Before, 'dronabinol 5 mg bid' resolved to a classless ingredient (nothing
    said, nothing alerted) and 'Quviviq' was an unknown drug."""
    for med in (
        "Quviviq 50 mg qhs",
        "dronabinol 5 mg bid",
        "Syndros 2.1 mg bid",
        "Zurzuvae 50 mg every evening",
    ):
        drugs = _alerts(med, "tizanidine 2 mg tid").get("MRX-DDI-003", ())
        assert {"tizanidine"} < set(drugs), med


def test_lofexidine_with_tizanidine_is_two_alpha2_agonists() -> None:
    """The tizanidine label advises against other alpha-2 agonists; Lucemyra (lofexidine, for
    opioid withdrawal) was an unknown drug."""
    assert "lofexidine" in _alerts("Lucemyra 0.54 mg qid", "tizanidine 2 mg tid")["MRX-DDI-005"]


def test_a_member_without_rxcui_needs_a_note(kb_copy: Path) -> None:
    def strip(data: Any) -> None:
        for g in data["groups"]:
            for m in g["members"]:
                if m["name"] == "benzhydrocodone" and g["id"] == "opioids":
                    m.pop("note")

    edit_yaml(kb_copy / "groups" / "classes.yaml", strip)
    problems = load_problems(kb_copy)
    assert any(
        field.endswith(".note") and "benzhydrocodone" in msg and "rxcui" in msg
        for _label, field, msg in problems
    ), problems


def test_a_member_with_a_code_in_one_class_and_none_in_another_is_refused(
    kb_copy: Path,
) -> None:
    def code(data: Any) -> None:
        for g in data["groups"]:
            for m in g["members"]:
                if m["name"] == "remimazolam" and g["id"] == "benzodiazepines":
                    m["rxcui"] = "6960"

    edit_yaml(kb_copy / "groups" / "classes.yaml", code)
    problems = load_problems(kb_copy)
    assert any("remimazolam" in msg and "no RxCUI" in msg for _l, _f, msg in problems), problems


def test_the_screening_lists_them_and_its_result_says_so() -> None:
    k = packaged_knowledge()
    listed = {u.split(" (")[0]: u for u in k.uncoded}
    assert "opioids" in listed["benzhydrocodone"]
    assert {"benzhydrocodone", "remimazolam"} <= set(listed)
    for ds in k.drug_sets.values():
        assert all(i.rxcui for i in ds.ingredients), ds.key
    o = Omop().person(1)
    o.drug(1, "oxycodone", "2022-02-20", supply=10)
    r = screen(
        ArrowInput(o.tables()),
        patterns=("MRX-DDI-003",),
        options=ScreeningOptions(grace_days=0),
        knowledge=k,
    ).result
    assert r.ingredients_not_screened == k.uncoded
    note = next(n for n in r.notes if "benzhydrocodone" in n)
    assert "no confirmed RxNorm code" in note and "not screened" in note


@pytest.mark.parametrize(
    "med",
    ["Premarin 0.625 mg daily", "conjugated estrogens 0.625 mg daily", "Menest 1.25 mg daily"],
)
def test_dantrolene_with_conjugated_or_esterified_estrogens_alerts(med: str) -> None:
    """The Dantrium label names estrogens among the drugs taken by those with more liver injury;
    Premarin resolved to 'estrogens, conjugated (usp)' in no class and raised nothing."""
    alerts = _alerts(med, order="dantrolene 25 mg daily")
    assert any(a.startswith("MRX-DDI") for a in alerts), alerts


def test_a_class_synonym_must_name_one_class_and_no_drug(kb_copy: Path) -> None:
    def clash(data: Any) -> None:
        for g in data["groups"]:
            if g["id"] == "opioids":
                g["synonyms"] = [*g.get("synonyms", []), "benzos", "fentanyl"]

    edit_yaml(kb_copy / "groups" / "classes.yaml", clash)
    problems = load_problems(kb_copy)
    said = [msg for _label, field, msg in problems if field.endswith(".synonyms")]
    assert any("'benzos' also names group" in m for m in said), problems
    assert any("'fentanyl' is also a drug's name" in m for m in said), problems
