"""The patterns' sets, thresholds and codes come from the knowledge base; the shipped concept map
is current; the SQL's CKD-EPI agrees with the clinical module."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from myorelax.clinical.renal import ckd_epi_2021
from myorelax.errors import InputError
from myorelax.fhir import codes as fhir_codes
from myorelax.knowledge.loader import KNOWLEDGE_ENV, load_knowledge
from myorelax.knowledge.terminology import condition_by_code, default_terminology
from myorelax.screening.concepts import (
    ICD10CM_DIALYSIS,
    LOCAL_DRUG_BASE,
    LOINC_CREATININE,
    LOINC_EGFR,
    SNOMED_DIALYSIS,
    code_rows,
    render_concept_map,
    shipped_concept_map,
)
from myorelax.screening.patterns import ScreeningKnowledge, default_screening_knowledge
from myorelax.screening.sql import Dialect, _ckd_epi, _Gen


def ids(k: ScreeningKnowledge, key: str) -> set[str]:
    return {i.id for i in k.drug_sets[key].ingredients}


def test_every_pattern_code_is_a_safety_rule(knowledge: ScreeningKnowledge) -> None:
    kb = load_knowledge()
    assert [p.code for p in knowledge.patterns] == [
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
    ]
    for p in knowledge.patterns:
        assert p.name == kb.rules[p.code].name
        assert p.evidence and all(e.source in kb.sources for e in p.evidence)


def test_sets_are_the_knowledge_base_value_sets(knowledge: ScreeningKnowledge) -> None:
    """The members with an RxCUI (those known by name only cannot be matched in coded data:
    the screening lists them instead, see tests/knowledge/test_name_only_members.py)."""
    kb = load_knowledge()

    def coded(group: str) -> set[str]:
        return {m.name for m in kb.groups[group].members if m.rxcui}

    assert ids(knowledge, "opioids") == coded("opioids")
    assert ids(knowledge, "benzodiazepines") == coded("benzodiazepines")
    relaxants = coded("skeletal_muscle_relaxants")
    assert ids(knowledge, "relaxants") == relaxants
    # Beers: every monograph that says avoid at 65+ without a condition (as the check raises
    # MRX-BEERS-001): the relaxants but the antispasticity ones, and diazepam and meprobamate.
    assert ids(knowledge, "beers_relaxants") == (
        relaxants - {"baclofen", "tizanidine", "dantrolene"}
    ) | {"diazepam", "meprobamate"}
    cyp1a2 = {
        name
        for g in (
            "cyp1a2_inhibitors_strong",
            "cyp1a2_inhibitors_other",
            "cyp1a2_inhibitors_fda_table",
        )
        for name in coded(g)
    }
    assert ids(knowledge, "cyp1a2_inhibitors") == cyp1a2
    assert ids(knowledge, "maois") == coded("maois")
    assert {"ciprofloxacin", "fluvoxamine"} <= ids(knowledge, "cyp1a2_inhibitors")
    assert "rifampin" not in ids(knowledge, "cyp1a2_inhibitors")  # an inducer, not an inhibitor


def test_every_code_is_a_knowledge_base_rxcui(knowledge: ScreeningKnowledge) -> None:
    term = default_terminology()
    known = {i.rxcui for i in term.ingredients.values()}
    drugs = [r for r in code_rows(knowledge) if r.kind == "drug"]
    assert {r.concept_code for r in drugs} <= known
    assert all(r.concept_id == LOCAL_DRUG_BASE + int(r.concept_code) for r in drugs)
    assert all(r.concept_id > 2_000_000_000 for r in code_rows(knowledge))
    assert len({r.concept_id for r in code_rows(knowledge)}) == len(code_rows(knowledge))


def test_kidney_and_dialysis_codes_are_the_fhir_adapters(knowledge: ScreeningKnowledge) -> None:
    kidney = {c: k for c, k in fhir_codes.OBSERVATION_CODES.items() if k in ("egfr", "creatinine")}
    assert set(LOINC_EGFR) == {c for c, k in kidney.items() if k == "egfr"}
    assert set(LOINC_CREATININE) == {c for c, k in kidney.items() if k == "creatinine"}
    assert {"2160-0", "14682-9"} <= set(LOINC_CREATININE)
    assert {condition_by_code(c) for c in SNOMED_DIALYSIS} == {"kidney_failure"}
    assert {condition_by_code(c) for c in ICD10CM_DIALYSIS} <= {"kidney_failure", None}


def test_the_screening_and_the_check_agree_on_kidney_failure(
    knowledge: ScreeningKnowledge,
) -> None:
    """Every code that puts a patient in the check's kidney-failure condition (lowest kidney
    band) puts them in the screening's dialysis/end-stage state, and the state holds nothing
    else but dialysis codes (N18.6 used to count in one and not the other)."""
    failure = load_knowledge().conditions["kidney_failure"]
    state = {
        (r.vocabulary_id, r.concept_code) for r in code_rows(knowledge) if r.kind == "dialysis"
    }
    wanted = {("SNOMED", c) for c in failure.snomed} | {("ICD10CM", c) for c in failure.icd10}
    assert wanted <= state
    dialysis_only = {("ICD10CM", p) for p in fhir_codes.ICD10_DIALYSIS_PREFIXES}
    assert state - wanted <= dialysis_only
    assert "Z992" in ICD10CM_DIALYSIS and fhir_codes.ICD10_DIALYSIS_PREFIXES == ("Z992",)


def test_thresholds_are_read_from_the_knowledge_base(knowledge: ScreeningKnowledge) -> None:
    kb = load_knowledge()
    cari = [d.max_duration for d in kb.drugs["carisoprodol"].dosing if d.max_duration]
    assert knowledge.thresholds.carisoprodol_max_days == max(7 * a.upper for a in cari)
    floors = [
        a.egfr_below.upper
        for a in kb.drugs["baclofen"].populations.renal.adjustments
        if a.egfr_below and a.egfr_from is None
    ]
    assert knowledge.thresholds.egfr_below_ml_min == min(floors)
    assert knowledge.thresholds.beers_age_years == 65
    dur = knowledge.pattern("MRX-DUR-001")
    assert dur.longer_than_days == knowledge.thresholds.carisoprodol_max_days


def test_unknown_pattern_is_an_input_error(knowledge: ScreeningKnowledge) -> None:
    with pytest.raises(InputError, match="--pattern: unknown pattern 'MRX-NOPE-001'"):
        knowledge.select(["MRX-NOPE-001"])
    assert [p.code for p in knowledge.select(["mrx-ddi-001"]).patterns] == ["MRX-DDI-001"]


def test_shipped_concept_map_is_current(knowledge: ScreeningKnowledge) -> None:
    assert shipped_concept_map() == render_concept_map(knowledge), (
        "run `python -m myorelax.screening.concepts > src/myorelax/screening/data/concept_map.csv`"
    )


@pytest.mark.parametrize("sex", ["female", "male", "unknown"])
def test_sql_ckd_epi_matches_the_clinical_module(sex: str) -> None:
    g = _Gen(Dialect("duckdb"), {})
    con = duckdb.connect()
    for scr in (0.5, 0.7, 0.9, 1.4, 3.0, 6.5):
        for age in (19.0, 45.5, 70.0, 92.0):
            sql = _ckd_epi(g, f"CAST({scr} AS DOUBLE)", f"CAST({age} AS DOUBLE)", f"'{sex}'")
            (got,) = con.execute(f"SELECT {sql}").fetchall()[0]
            assert got == pytest.approx(ckd_epi_2021(age, scr, sex), rel=1e-12)  # type: ignore[arg-type]


def test_the_compiled_patterns_are_kept_per_knowledge_folder(
    kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`screen()` without knowledge compiles the patterns once per knowledge base: the packaged
    knowledge gives the same object each time; a site's folder gives its own patterns (an edit to
    the folder is seen), and the packaged ones are back when the folder is unset."""
    packaged = default_screening_knowledge()
    assert default_screening_knowledge() is packaged
    manifest = kb_copy / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["version"] = "9.9.1"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv(KNOWLEDGE_ENV, str(kb_copy))
    site = default_screening_knowledge()
    assert site is not packaged and default_screening_knowledge() is site
    assert site.knowledge_version == "9.9.1" != packaged.knowledge_version
    data["version"] = "9.9.2"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    assert default_screening_knowledge().knowledge_version == "9.9.2"
    monkeypatch.delenv(KNOWLEDGE_ENV)
    assert default_screening_knowledge() is packaged
