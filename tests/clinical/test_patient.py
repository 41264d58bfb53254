"""Kidney function formulas against hand calculations; patient validation names the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.patient import kidney_function
from myorelax.clinical.renal import ckd_epi_2021, cockcroft_gault, ideal_body_weight_kg
from myorelax.errors import PatientDataError


def test_cockcroft_gault_by_hand() -> None:
    # (140 - 60) * 80 / (72 * 2.5) = 35.56 mL/min (male, normal weight)
    est = cockcroft_gault(60, 80, 2.5, "male", 180)
    assert est.crcl_ml_min == pytest.approx(35.555, rel=1e-3)
    assert est.weight_basis == "actual"
    # women x 0.85
    assert cockcroft_gault(60, 80, 2.5, "female").crcl_ml_min == pytest.approx(
        35.555 * 0.85, rel=1e-3
    )


def test_cockcroft_gault_uses_adjusted_weight_in_obesity() -> None:
    ibw = ideal_body_weight_kg(170, "male")  # 50 + 2.3 * (66.93 - 60) = 65.9 kg
    assert ibw == pytest.approx(65.94, abs=0.05)
    est = cockcroft_gault(50, 130, 1.0, "male", 170)
    adjusted = ibw + 0.4 * (130 - ibw)
    assert est.weight_basis == "adjusted"
    assert est.crcl_ml_min == pytest.approx((140 - 50) * adjusted / 72, rel=1e-6)
    assert "adjusted body weight" in est.explanation


def test_ckd_epi_2021_reference_values() -> None:
    # Inker 2021 equation: a 50-year-old woman with SCr 0.7 -> 142 * 0.9938^50 * 1.012
    assert ckd_epi_2021(50, 0.7, "female") == pytest.approx(142 * 0.9938**50 * 1.012, rel=1e-9)
    # a 60-year-old man with SCr 1.8: 142 * (1.8/0.9)^-1.2 * 0.9938^60 = 42.6
    assert ckd_epi_2021(60, 1.8, "male") == pytest.approx(142 * 2**-1.2 * 0.9938**60, rel=1e-9)
    assert ckd_epi_2021(60, 1.8, "male") == pytest.approx(42.6, abs=0.1)


@given(st.floats(18, 100), st.floats(0.3, 10))
def test_egfr_falls_as_creatinine_rises(age: float, scr: float) -> None:
    for sex in ("female", "male", "unknown"):
        assert ckd_epi_2021(age, scr * 1.1, sex) < ckd_epi_2021(age, scr, sex)  # type: ignore[arg-type]


def test_kidney_function_says_how_it_was_derived() -> None:
    p = patient_from_data({"age_years": 60, "sex": "male", "weight_kg": 80, "scr_mg_dl": 2.5})
    k = kidney_function(p)
    assert k.crcl_ml_min == pytest.approx(35.6, abs=0.1)
    assert "Cockcroft-Gault" in k.crcl_basis and "actual body weight" in k.crcl_basis
    assert k.egfr_ml_min is not None and "CKD-EPI 2021" in k.egfr_basis


def test_unknown_kidney_function_is_said_plainly() -> None:
    k = kidney_function(patient_from_data({"age_years": 60}))
    assert not k.known
    assert "serum creatinine" in k.crcl_basis and "weight" in k.crcl_basis


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"age_years": 250}, "age_years"),
        ({"weight_kg": 0}, "weight_kg"),
        ({"scr_mg_dl": 0}, "scr_mg_dl"),
        ({"crcl_ml_min": -5}, "crcl_ml_min"),
        ({"sex": "male", "pregnant": True}, "pregnant"),
        ({"sex": "martian"}, "sex"),
        ({"cyp2c19": "XX"}, "cyp2c19"),
        ({"weight_kg": 300, "height_cm": 100}, "weight_kg"),
        ({"child_pugh": "D"}, "child_pugh"),
    ],
)
def test_impossible_or_contradictory_facts_name_the_field(
    data: dict[str, object], field: str
) -> None:
    with pytest.raises(PatientDataError) as info:
        patient_from_data(data)
    assert info.value.field == field


def test_unknown_condition_is_not_checked_with_a_suggestion_never_refused() -> None:
    p = patient_from_data({"conditions": ["seizure disordr", "epilepsy"]})
    assert p.conditions == ("seizure_disorder",)
    (item,) = p.not_checked
    assert (item.kind, item.reason, item.item) == (
        "condition",
        "unknown_condition",
        "seizure disordr",
    )
    assert "did you mean Seizure disorder (epilepsy)?" in item.detail


@pytest.mark.parametrize(
    ("written", "condition"),
    [
        ("low back pain", "low_back_pain"),
        ("Chronic low back pain", "low_back_pain"),
        ("hypertension", "hypertension"),
        ("HTN", "hypertension"),
        ("history of falls", "history_of_falls"),
        ("I10", "hypertension"),  # ICD-10-CM
        ("M54.50", "low_back_pain"),  # ICD-10-CM, a code under M54.5
        ("38341003", "hypertension"),  # SNOMED CT
        ("N18.4", "ckd_stage_4"),
    ],
)
def test_conditions_as_people_and_records_write_them(written: str, condition: str) -> None:
    p = patient_from_data({"conditions": [written]})
    assert p.conditions == (condition,)
    assert p.not_checked == ()


def test_condition_synonyms_resolve() -> None:
    p = patient_from_data({"conditions": ["Epilepsy", "heart attack", "CHF"]})
    assert set(p.conditions) == {
        "seizure_disorder",
        "recent_myocardial_infarction",
        "heart_failure",
    }


def test_unknown_medication_is_listed_as_not_checked_with_a_suggestion() -> None:
    p = patient_from_data({"medications": ["fooxetine 20 mg daily", "oxycodone 5 mg q6h prn"]})
    assert [m.drug for m in p.medications] == ["oxycodone"]
    (item,) = p.not_checked
    assert (item.kind, item.reason, item.item) == (
        "medication",
        "unknown_drug",
        "fooxetine 20 mg daily",
    )
    assert "did you mean fluoxetine?" in item.detail


def test_a_drug_no_rule_uses_is_read_and_in_no_class() -> None:
    p = patient_from_data({"medications": ["metformin 500 mg bid"]})
    (order,) = p.medications
    assert (order.drug, order.dose_mg, order.has_monograph) == ("metformin", 500, False)
    assert p.not_checked == ()


@pytest.mark.parametrize(
    ("field", "written", "value"),
    [
        ("weight_kg", "62 kg", 62.0),
        ("weight_kg", "154 lb", 69.853225),
        ("weight_kg", "154 lbs", 69.853225),
        ("height_cm", "170 cm", 170.0),
        ("height_cm", "67 in", 170.18),
        # serum creatinine in SI units: 88.42 umol/L per mg/dL (renal.CREATININE_UMOL_PER_MG_DL)
        ("scr_mg_dl", "97 umol/L", 1.097037),
        ("scr_mg_dl", "1.1 mg/dL", 1.1),
        ("egfr_ml_min", "45 mL/min/1.73 m2", 45.0),
        ("crcl_ml_min", "0.5 mL/s", 30.0),
        ("age_years", "67 years", 67.0),
    ],
)
def test_a_patient_file_number_written_with_its_unit_is_converted(
    field: str, written: str, value: float
) -> None:
    """Patient files are typed by hand: '62 kg' was refused as 'must be a number'."""
    p = patient_from_data({"age_years": 60, field: written})
    assert getattr(p, field) == pytest.approx(value)


@pytest.mark.parametrize(
    ("field", "written", "said"),
    [
        ("weight_kg", "62", "must be a number"),  # a number in quotes is text, as before
        ("weight_kg", "62 mg/dL", "not in a unit of kg"),
        ("scr_mg_dl", "1.1 g", "mg/dL or umol/L"),
        ("age_years", "sixty", "must be a number"),
    ],
)
def test_a_patient_file_quantity_that_cannot_be_read_is_refused(
    field: str, written: str, said: str
) -> None:
    with pytest.raises(PatientDataError) as err:
        patient_from_data({field: written})
    assert err.value.field == field and said in str(err.value)
