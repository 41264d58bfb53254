"""Conditions as problem lists write them, and a pregnancy among them.

Epic appends '(HCC)' or '(CMS-HCC)' to problem-list entries, and entries carry a stage or a
qualifier after a comma or 'with'. 'Myasthenia gravis (HCC)' was 'not known here', so
orphenadrine (contraindicated in myasthenia gravis) raised no alert, only a not-checked line. A
pregnancy written among the conditions, or recorded in FHIR as an active pregnancy Condition or
a pregnancy status Observation, was not read as the pregnancy status."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import PatientDataError
from myorelax.fhir.importing import record_from_fhir
from myorelax.safety.engine import evaluate_regimen


@pytest.mark.parametrize(
    ("written", "condition"),
    [
        ("Myasthenia gravis (HCC)", "myasthenia_gravis"),
        ("Epilepsy (CMS-HCC)", "seizure_disorder"),
        ("Glaucoma (disorder)", "glaucoma"),
        ("Chronic kidney disease, stage 3b (HCC)", "ckd_stage_3b"),
        ("Opioid use disorder, severe, dependence (HCC)", "opioid_use_disorder"),
        ("Heart failure with reduced ejection fraction (HCC)", "heart_failure"),
        ("Cirrhosis of liver (HCC)", "active_liver_disease"),
        ("Benign prostatic hyperplasia with urinary obstruction", "prostatic_hypertrophy"),
        # as clinicians type them: a stage without a comma, an abbreviation, 'status post'
        ("CKD stage 4", "ckd_stage_4"),
        ("CKD 3b", "ckd_stage_3b"),
        ("CKD 5", "kidney_failure"),
        ("Chronic kidney disease stage 5", "kidney_failure"),
        ("gastric outlet obstruction", "gastrointestinal_obstruction"),
        ("afib", "arrhythmia"),
        ("s/p stroke", "stroke"),
        # possessive eponyms, abbreviations and plain words that were 'not known here'
        ("Parkinson's disease", "parkinson_disease"),
        ("Alzheimer\u2019s disease (HCC)", "dementia"),
        ("hepatic impairment", "active_liver_disease"),
        ("ESLD", "active_liver_disease"),
        ("AKI", "reduced_kidney_function"),
        ("G6PD deficiency", "hemolytic_anemia"),
        ("QTc prolongation", "arrhythmia"),
        ("Graves", "hyperthyroidism"),
        ("MDD", "depression"),
        ("schizoaffective disorder", "psychosis"),
        ("confusion", "delirium"),
        ("EtOH abuse", "alcohol_use_disorder"),
        ("paraplegia", "spinal_cord_injury"),
        ("open-angle glaucoma", "open_angle_glaucoma"),
        # an infarction: acute unless written as past ('history of' is read before it is dropped)
        ("STEMI", "recent_myocardial_infarction"),
        ("MI", "recent_myocardial_infarction"),
        ("history of MI", "old_myocardial_infarction"),
        ("History of myocardial infarction (situation)", "old_myocardial_infarction"),
    ],
)
def test_problem_list_entries_name_their_condition(written: str, condition: str) -> None:
    p = patient_from_data({"age_years": 50, "conditions": [written]})
    assert p.conditions == (condition,)
    assert not [n for n in p.not_checked if n.kind == "condition"]


@pytest.mark.parametrize("written", ["ESRD on HD", "on dialysis", "hemodialysis", "CKD 5D"])
def test_dialysis_among_the_conditions_is_the_dialysis_status(written: str) -> None:
    """Dialysis typed as a condition was 'not known here': neither the kidney failure nor the
    kidney rules' own dialysis entries were reached."""
    p = patient_from_data({"age_years": 50, "conditions": [written]})
    assert p.dialysis and p.conditions[0] == "kidney_failure"
    assert not [n for n in p.not_checked if n.kind == "condition"]


def test_a_past_infarction_is_coronary_disease_not_the_recovery_phase() -> None:
    """Cyclobenzaprine is contraindicated in the acute recovery phase after an infarction: a
    recent one is a contraindication, a past one is not (it is coronary disease)."""
    regimen = regimen_from(["cyclobenzaprine 5 mg tid"])
    codes = {}
    for written in ("NSTEMI", "old MI"):
        p = patient_from_data({"age_years": 50, "crcl_ml_min": 90, "conditions": [written]})
        codes[written] = {a.code for a in evaluate_regimen(p, regimen).alerts}
    assert "MRX-CI-001" in codes["NSTEMI"]
    assert "MRX-CI-001" not in codes["old MI"]


def test_an_unknown_entry_is_still_said() -> None:
    p = patient_from_data({"age_years": 50, "conditions": ["Frobnitz syndrome (HCC)"]})
    assert p.conditions == ()
    assert [n.reason for n in p.not_checked if n.kind == "condition"] == ["unknown_condition"]


def test_orphenadrine_in_myasthenia_gravis_written_with_hcc_is_contraindicated() -> None:
    report = evaluate_regimen(
        patient_from_data(
            {"age_years": 50, "crcl_ml_min": 90, "conditions": ["Myasthenia gravis (HCC)"]}
        ),
        regimen_from(["orphenadrine 100 mg bid"]),
    )
    assert "MRX-CI-001" in {a.code for a in report.alerts}


def test_a_pregnancy_among_the_conditions_is_the_pregnancy_status() -> None:
    p = patient_from_data({"age_years": 30, "sex": "female", "conditions": ["Pregnancy (HCC)"]})
    assert p.pregnant is True and p.conditions == ()
    with pytest.raises(PatientDataError, match="contradicts pregnant: false"):
        patient_from_data({"age_years": 30, "pregnant": False, "conditions": ["pregnant"]})


SNOMED = "http://snomed.info/sct"
BASE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female",
                      "birthDate": "1991-05-01"}},
    ],
}  # fmt: skip


def bundle(*resources: dict[str, Any], birth: str = "1991-05-01") -> dict[str, Any]:
    b = copy.deepcopy(BASE)
    b["entry"][0]["resource"]["birthDate"] = birth
    b["entry"] += [{"resource": {**r, "subject": {"reference": "Patient/p1"}}} for r in resources]
    return b


def pregnancy_condition(status: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": {"coding": [{"code": status}]},
        "code": {"coding": [{"system": SNOMED, "code": "72892002", "display": "Normal pregnancy"}]},
        "onsetDateTime": "2026-09-01",
    }


def pregnancy_status(value: str, display: str, when: str = "2026-11-20") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{value}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value, "display": display}]},
        "effectiveDateTime": when,
    }


TODAY = date(2026, 12, 1)


def test_an_active_pregnancy_condition_records_a_pregnancy() -> None:
    rec = record_from_fhir(bundle(pregnancy_condition()), today=TODAY)
    assert rec.patient.pregnant is True
    assert any("Normal pregnancy is active (since 2026-09-01)" in n for n in rec.notes)
    resolved = record_from_fhir(bundle(pregnancy_condition("resolved")), today=TODAY)
    assert resolved.patient.pregnant is None


def test_the_latest_pregnancy_status_observation_is_read() -> None:
    rec = record_from_fhir(bundle(pregnancy_status("60001007", "Not pregnant")), today=TODAY)
    assert rec.patient.pregnant is False
    rec = record_from_fhir(
        bundle(
            pregnancy_status("60001007", "Not pregnant", "2026-01-01"),
            pregnancy_status("77386006", "Pregnant", "2026-11-01"),
        ),
        today=TODAY,
    )
    assert rec.patient.pregnant is True


def test_a_not_pregnant_status_does_not_hide_an_active_pregnancy_condition() -> None:
    rec = record_from_fhir(
        bundle(pregnancy_condition(), pregnancy_status("60001007", "Not pregnant")), today=TODAY
    )
    assert rec.patient.pregnant is True
    assert any("read as pregnant" in n for n in rec.notes)


def test_a_pregnancy_outside_the_possible_ages_is_said_and_not_used() -> None:
    """Synthea leaves some tubal pregnancies active for decades (a 72-year-old in the external
    sample): the record cannot mean a current pregnancy at that age."""
    rec = record_from_fhir(bundle(pregnancy_condition(), birth="1954-01-01"), today=TODAY)
    assert rec.patient.pregnant is None
    assert any("a pregnancy is recorded for a patient aged 72; not used" in n for n in rec.notes)


def test_a_fhir_condition_known_only_by_its_problem_list_text_is_read() -> None:
    """A Condition with an EHR-local code and the text 'Myasthenia gravis (HCC)'."""
    local = {
        "resourceType": "Condition",
        "id": "c2",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {
            "coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.696871", "code": "123"}],
            "text": "Myasthenia gravis (HCC)",
        },
    }
    rec = record_from_fhir(bundle(local), today=TODAY)
    assert rec.patient.conditions == ("myasthenia_gravis",)


@pytest.mark.parametrize(
    ("stage", "drug", "fires"),
    [
        # KDIGO G4 is GFR 15-29: tizanidine's CrCl below 25 band (Zanaflex 2.3) may apply, and is
        # applied (the conservative reading); in G3b (30-44) it cannot.
        ("CKD stage 4", "tizanidine 2 mg tid", True),
        ("CKD stage 3b", "tizanidine 2 mg tid", False),
        # metaxalone: contraindicated below 30 (Skelaxin 4, KDIGO G4-G5), not in G3b
        ("CKD stage 4", "metaxalone 800 mg tid", True),
        ("CKD stage 3b", "metaxalone 800 mg tid", True),  # the caution band below 60
    ],
)
def test_a_ckd_stage_without_a_laboratory_value_applies_the_bands_it_overlaps(
    stage: str, drug: str, fires: bool
) -> None:
    """A CKD stage recorded with no CrCl or eGFR was 'kidney function unknown'; its GFR category
    (KDIGO 2012 Table 5) now decides which kidney bands may apply: those that overlap it."""
    p = patient_from_data({"age_years": 50, "sex": "male", "conditions": [stage]})
    report = evaluate_regimen(p, regimen_from([drug]))
    renal = [a for a in report.alerts if a.code == "MRX-RENAL-001"]
    assert bool(renal) is fires
    assert not [n for n in report.not_checked if n.reason == "missing_kidney_function"]
    if drug.startswith("metaxalone"):
        contraindicated = [a for a in renal if a.severity == "contraindicated"]
        assert bool(contraindicated) is (stage == "CKD stage 4")


@pytest.mark.parametrize(
    ("written", "condition"),
    [
        ("history of substance abuse", "substance_use_disorder"),
        ("Polysubstance abuse", "substance_use_disorder"),
        ("IVDU", "substance_use_disorder"),
        ("cardiac arrhythmia", "arrhythmia"),
        ("WPW", "arrhythmia"),
        ("hepatic encephalopathy", "active_liver_disease"),
    ],
)
def test_more_problem_list_entries_name_their_condition(written: str, condition: str) -> None:
    """Written so on problem lists and 'not known here' before: a history of substance abuse
    is what the carisoprodol label's abuse warning is about."""
    p = patient_from_data({"age_years": 50, "conditions": [written]})
    assert p.conditions == (condition,)


@pytest.mark.parametrize("written", ["breastfeeding", "Lactating mother", "nursing"])
def test_breastfeeding_among_the_conditions_is_the_lactation_status(written: str) -> None:
    p = patient_from_data({"age_years": 30, "sex": "female", "conditions": [written]})
    assert p.lactating is True and p.conditions == ()
    assert not [n for n in p.not_checked if n.kind == "condition"]
    with pytest.raises(PatientDataError):
        patient_from_data({"age_years": 30, "lactating": False, "conditions": [written]})
