"""FHIR resources to a patient and orders: references, units, dosage, statuses, errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax.clinical.inputs import regimen_from
from myorelax.errors import InputError
from myorelax.fhir.importing import orders_from_fhir, record_from_fhir, resources_of
from myorelax.knowledge.terminology import condition_by_code as icd10_condition
from myorelax.safety.engine import evaluate_regimen
from tests.fhir.helpers import (
    RXNORM,
    bundle,
    condition,
    med_request,
    observation,
    patient,
    per_day,
)

TODAY = date(2022, 6, 1)


def record(*resources: dict[str, Any]) -> Any:
    return record_from_fhir(bundle(patient(), *resources), today=TODAY)


# -- resources and references ------------------------------------------------------------------


def test_resources_of_accepts_bundles_resources_and_lists() -> None:
    p = patient()
    nested = bundle(bundle(p, kind="searchset"), med_request("baclofen"))
    assert resources_of(p) == [p]
    assert [r["resourceType"] for r in resources_of(nested)] == ["Patient", "MedicationRequest"]
    assert len(resources_of([p, bundle(p)])) == 2
    # An entry without an id takes its urn:uuid fullUrl (in a copy).
    entry = {"fullUrl": "urn:uuid:abc", "resource": {"resourceType": "Medication"}}
    (med,) = resources_of({"resourceType": "Bundle", "entry": [entry, {"search": {}}]})
    assert med["id"] == "abc" and "id" not in entry["resource"]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (42, "resources"),
        ("Patient", "resources"),
        ({"id": "x"}, "resources"),
        ([patient(), {"resourceType": ""}], "resources[1]"),
        (bundle(patient(), {"no": "type"}), "resources.entry[1].resource"),
    ],
)
def test_input_that_is_not_fhir_is_an_input_error(given: Any, field: str) -> None:
    with pytest.raises(InputError) as exc:
        record_from_fhir(given)
    assert exc.value.field == field


def test_medication_reference_to_a_bundle_entry() -> None:
    med = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {
            "coding": [{"system": RXNORM, "code": "1", "display": "Tizanidine 4 MG Oral Tablet"}]
        },
    }
    request = med_request(None, dosage=per_day(3, value=1, unit="{tbl}"))
    request["medicationReference"] = {"reference": "urn:uuid:m1"}
    entries = {
        "resourceType": "Bundle",
        "entry": [{"fullUrl": "urn:uuid:m1", "resource": med}, {"resource": patient()}],
    }
    entries["entry"].append({"resource": request})
    (order,) = record_from_fhir(entries, today=TODAY).patient.medications
    assert (order.drug, order.dose_mg, order.doses_per_day) == ("tizanidine", 4, 3)
    # A Type/id reference resolves too.
    request["medicationReference"] = {"reference": "Medication/m1"}
    (order,) = record_from_fhir(entries, today=TODAY).patient.medications
    assert order.drug == "tizanidine"


def test_contained_medication() -> None:
    request = med_request(None, dosage=per_day(2, value=10, unit="mg"))
    request["contained"] = [
        {"resourceType": "Medication", "id": "med", "code": {"text": "Baclofen 10 MG Oral Tablet"}}
    ]
    request["medicationReference"] = {"reference": "#med"}
    (order,) = record(request).patient.medications
    assert order.drug == "baclofen"
    assert order.text == "baclofen 10 mg bid"


@pytest.mark.parametrize("how", ["concept", "reference"])
def test_an_r5_codeable_reference_medication_is_read(how: str) -> None:
    # FHIR R5 replaced medication[x] by `medication` (CodeableReference); EHRs moving to R5 send it.
    request = med_request(None, dosage=per_day(3, value=4, unit="mg"))
    request.pop("medicationCodeableConcept", None)
    if how == "concept":
        request["medication"] = {"concept": {"text": "tizanidine 4 MG Oral Tablet"}}
    else:
        request["contained"] = [{"resourceType": "Medication", "id": "m",
                                 "code": {"text": "tizanidine 4 MG Oral Tablet"}}]  # fmt: skip
        request["medication"] = {"reference": {"reference": "#m"}}
    (order,) = record(request).patient.medications
    assert order.drug == "tizanidine"
    assert order.text == "tizanidine 4 mg tid"


def test_a_draft_order_reads_a_medication_sent_elsewhere_in_the_request() -> None:
    draft = med_request(None, status="draft", dosage=per_day(3, value=350, unit="mg"))
    draft.pop("medicationCodeableConcept", None)
    draft["medicationReference"] = {"reference": "Medication/soma"}
    medication = {"resourceType": "Medication", "id": "soma",
                  "code": {"coding": [{"system": RXNORM, "code": "197446"}]}}  # fmt: skip
    alone = orders_from_fhir(bundle(draft))
    assert alone.orders == () and alone.not_checked
    (order,) = orders_from_fhir(bundle(draft), referenced=[medication]).orders
    assert order.drug == "carisoprodol"


def test_missing_medication_is_a_note() -> None:
    request = med_request(None)
    request["medicationReference"] = {"reference": "Medication/nowhere"}
    r = record(request)
    assert r.patient.medications == ()
    assert any("'Medication/nowhere' is not in the record; not checked" in n for n in r.notes)


# -- observations ----------------------------------------------------------------------------


def test_latest_observation_per_kind_with_unit_conversion() -> None:
    r = record(
        observation("29463-7", 70, "kg", "2020-01-01", oid="w1"),
        observation("29463-7", 176.4, "[lb_av]", "2022-01-01", oid="w2"),
        observation("8302-2", 1.65, "m", "2021-01-01"),
        observation("2160-0", 1.4, "mg/dL", "2021-05-01", oid="s1"),
        observation("2160-0", 97.3, "umol/L", "2022-02-01", oid="s2"),
    )
    p = r.patient
    assert p.weight_kg == pytest.approx(176.4 * 0.45359237, abs=0.001)
    assert p.height_cm == pytest.approx(165)
    assert p.scr_mg_dl == pytest.approx(97.3 / 88.42, abs=0.001)
    assert any(
        n.startswith("serum creatinine 1.1 mg/dL (97.3 umol/L) from Observation 2022-02-01")
        and "(latest of 2)" in n
        for n in r.notes
    )
    assert any(n.startswith("weight 80 kg (176.4 [lb_av])") for n in r.notes)


def test_egfr_older_than_the_creatinine_is_recomputed() -> None:
    r = record(
        observation("62238-1", 35, "mL/min/{1.73_m2}", "2021-01-01", oid="e"),
        observation("2160-0", 1.0, "mg/dL", "2022-01-01", oid="s"),
    )
    assert r.patient.egfr_ml_min is None
    assert r.patient.scr_mg_dl == 1.0
    assert any("recomputed from the creatinine" in n for n in r.notes)
    newer = record(
        observation("98979-8", 35, "mL/min/{1.73_m2}", "2022-03-01", oid="e"),
        observation("2160-0", 1.0, "mg/dL", "2022-01-01", oid="s"),
    )
    assert newer.patient.egfr_ml_min == 35


def test_entered_in_error_unknown_unit_and_future_observations_are_not_used() -> None:
    r = record(
        observation("2160-0", 9.0, "mg/dL", "2022-01-01", oid="a", status="entered-in-error"),
        observation("2160-0", 9.0, "furlong", "2022-01-02", oid="b"),
        observation("2160-0", 9.0, "mg/dL", "2023-01-02", oid="c"),
    )
    assert r.patient.scr_mg_dl is None
    assert "no kidney function in the record" in r.notes
    assert "1 Observation(s) dated after 2022-06-01 not used" in r.notes
    # The one with a unit not read is said, not skipped in silence.
    assert any("unit 'furlong' not read; not used" in n for n in r.notes)
    assert any(i.reason == "unreadable_value" for i in r.patient.not_checked)


def _egfr_text(text: str) -> dict[str, Any]:
    o = observation("62238-1", 0, "mL/min/{1.73_m2}", "2022-05-01")
    del o["valueQuantity"]
    return {**o, "valueString": text}


@pytest.mark.parametrize(
    ("obs", "egfr", "below_15"),
    [
        # as laboratories report the ends of the range: as text, or with a comparator
        (_egfr_text(">60"), 60, False),
        (_egfr_text("> 90 mL/min/1.73m2"), 90, False),
        (_egfr_text("<15"), 15, True),
        (
            {
                **observation("62238-1", 15, "mL/min/{1.73_m2}", "2022-05-01"),
                "valueQuantity": {"value": 15, "comparator": "<", "unit": "mL/min/{1.73_m2}"},
            },
            15,
            True,
        ),
    ],
)
def test_an_egfr_reported_as_a_bound_is_read_at_the_bound(
    obs: dict[str, Any], egfr: float, below_15: bool
) -> None:
    """'<15' is below 15 (a rule for 'below 15' applies); '>60' is read as 60, the lower end,
    and said. Before, '>60' as text was dropped in silence (kidney function 'unknown')."""
    r = record(obs)
    assert r.patient.egfr_ml_min == pytest.approx(egfr)
    assert (r.patient.egfr_ml_min < 15) is below_15
    assert any("eGFR" in n and "recorded as" in n for n in r.notes)
    # The check shows the eGFR as reported, not the bare bound (baclofen's kidney bands reach
    # 60 and 15; at 90 none applies).
    report = evaluate_regimen(r.patient, regimen_from(["baclofen 5 mg tid"]))
    kidney = [a.summary for a in report.alerts if a.code.startswith("MRX-RENAL")]
    bound = (">" if egfr >= 60 else "<") + f"{egfr:g}"
    assert all(f"{bound} mL/min" in t for t in kidney) and (bool(kidney) is (egfr != 90))
    # '>60' may lie above baclofen's mild band (CrCl 50 to 80): the card says it may be in it,
    # never that it is; '<15' is in the band below 15 for certain.
    details = [a.detail for a in report.alerts if a.code == "MRX-RENAL-001"]
    if egfr == 60:
        assert details and all("may be in the range" in d for d in details)
    if egfr == 15:
        assert details and all("is in the range" in d for d in details)


def test_a_creatinine_as_text_is_said_not_read() -> None:
    o = observation("2160-0", 0, "mg/dL", "2022-05-01")
    del o["valueQuantity"]
    r = record({**o, "valueString": "<0.5"})
    assert r.patient.scr_mg_dl is None
    assert any("value '<0.5' (text) not read" in n for n in r.notes)


def test_impossible_value_is_dropped_with_a_note() -> None:
    r = record(observation("29463-7", 0.1, "kg", "2022-01-01"))
    assert r.patient.weight_kg is None
    assert any(n.startswith("weight_kg 0.1 from the record not used") for n in r.notes)


# -- demographics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "gender", "age", "sex"),
    [
        ("1950-06-15", "female", 71, "female"),
        ("1950-05-31", "male", 72, "male"),
        ("1950", "other", 71, "unknown"),
        ("2030-01-01", "unknown", None, "unknown"),
    ],
)
def test_age_and_sex(birth: str, gender: str, age: float | None, sex: str) -> None:
    r = record_from_fhir(patient(birth=birth, gender=gender), today=TODAY)
    assert r.patient.age_years == age
    assert r.patient.sex == sex


def test_no_patient_resource() -> None:
    r = record_from_fhir(bundle(med_request("baclofen")), today=TODAY)
    assert r.patient.age_years is None
    assert "no Patient resource: age and sex unknown" in r.notes


def test_patient_id_selects_the_patient_and_their_resources() -> None:
    other = med_request("baclofen", rid="x")
    other["subject"] = {"reference": "Patient/p2"}
    data = bundle(patient("p2", birth="1990-01-01"), patient(), other)
    r = record_from_fhir(data, today=TODAY, patient_id="Patient/p1")
    assert r.patient_fhir_id == "p1" and r.patient.age_years == 71
    assert r.patient.medications == ()
    assert "1 resource(s) about another patient not used" in r.notes


# -- conditions, dialysis, allergies ---------------------------------------------------------


def test_conditions_by_code_by_name_and_by_status() -> None:
    r = record(
        condition("91637004", "Myasthenia gravis", cid="c1"),
        condition("G40.909", "Epilepsy, unspecified", system="http://hl7.org/fhir/sid/icd-10-cm"),
        condition("0", "Congestive heart failure", system="urn:local", cid="c3"),
        condition("23986001", "Glaucoma", verification="entered-in-error", cid="c4"),
        condition("73430006", "Sleep apnea", clinical="resolved", cid="c5"),
        condition("78275009", "Obstructive sleep apnea", clinical="remission", cid="c6"),
        condition("15777000", "Prediabetes", clinical=None, verification=None, cid="c7"),
    )
    assert r.patient.conditions == ("myasthenia_gravis", "seizure_disorder", "heart_failure")
    assert "Condition c4 Glaucoma: entered-in-error; ignored" in r.notes
    assert "2 resolved or inactive Condition(s) not used" in r.notes
    assert "Condition Prediabetes: not a condition the checks use" in r.notes
    assert "Condition Congestive heart failure: heart_failure (by its name)" in r.notes


def test_icd10_prefixes() -> None:
    assert icd10_condition("G70.00") == "myasthenia_gravis"
    assert icd10_condition("n18.4") == "ckd_stage_4"
    assert icd10_condition("N18.32") == "ckd_stage_3b"  # the longest prefix: not stage 3
    assert icd10_condition("N18.30") == "ckd_stage_3"
    assert icd10_condition("N18.9") == "reduced_kidney_function"
    assert icd10_condition("N18.2") is None  # CKD stage 2: left to the measured function
    assert icd10_condition("F11.20") == "opioid_use_disorder"
    assert icd10_condition("Z00") is None
    # Glaucoma's kinds: the open-angle (H40.1-) and angle-closure (H40.2-) codes are their own
    # conditions, ocular hypertension (H40.05-) is not glaucoma, the rest of H40 is glaucoma
    # without its kind.
    assert icd10_condition("H40.1131") == "open_angle_glaucoma"
    assert icd10_condition("H40.20X0") == "angle_closure_glaucoma"
    assert icd10_condition("H40.053") == "ocular_hypertension"
    assert icd10_condition("H40.9") == "glaucoma"
    assert icd10_condition("R33.9") == "urinary_retention"


def test_a_glaucoma_coded_by_its_kind_keeps_it() -> None:
    """SNOMED CT open-angle glaucoma is read as that kind, which diazepam's narrow-angle
    contraindication leaves out; the kind implies glaucoma for orphenadrine's."""
    r = record(
        condition("84494001", "Open-angle glaucoma", cid="c1"),
        condition("4210003", "Ocular hypertension", cid="c2"),
    )
    assert r.patient.conditions == ("open_angle_glaucoma", "ocular_hypertension")


def test_dialysis_from_a_condition_or_a_recent_procedure() -> None:
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    r = record(condition("Z99.2", "Dependence on renal dialysis", system=icd))
    assert r.patient.dialysis
    proc = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "302497006"}]},
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": "2022-05-20",
    }
    assert record(proc).patient.dialysis
    old = {**proc, "performedDateTime": "2019-05-20"}
    r = record(old)
    assert not r.patient.dialysis
    assert any("more than 30 days old; not read as on dialysis" in n for n in r.notes)


def test_allergies() -> None:
    def allergy(text: str, *, code: str | None = None, **extra: Any) -> dict[str, Any]:
        cc: dict[str, Any] = {"text": text}
        if code:
            cc["coding"] = [{"system": RXNORM, "code": code}]
        return {
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": cc,
            "patient": {"reference": "Patient/p1"},
            **extra,
        }

    r = record(
        allergy("Allergy to baclofen"),
        allergy("something", code="3322"),  # RxNorm ingredient: diazepam
        allergy("Benzodiazepines", category=["medication"]),
        allergy("Penicillin V"),
        allergy("Allergy to peanuts", category=["food"]),
        allergy("Tizanidine", clinicalStatus={"coding": [{"code": "resolved"}]}),
    )
    # Penicillin V is an RxNorm ingredient that no rule uses: recorded as such.
    assert r.patient.allergies == ("baclofen", "diazepam", "benzodiazepines", "penicillin v")
    assert any("food allergy (Allergy to peanuts)" in n for n in r.notes)


SNOMED = "http://snomed.info/sct"
IPS = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"


def _allergy_coded(system: str, code: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "code": {"coding": [{"system": system, "code": code}], "text": text},
        "patient": {"reference": "Patient/p1"},
        **extra,
    }


@pytest.mark.parametrize(
    "nka",
    [
        # The FHIR specification's own 'nkda' example, and 'no known allergy'
        _allergy_coded(SNOMED, "409137002", "NKDA"),
        _allergy_coded(SNOMED, "716186003", "No known allergy"),
        _allergy_coded(IPS, "no-known-medication-allergies", "No known medication allergies"),
        {"resourceType": "AllergyIntolerance", "code": {"text": "No Known Drug Allergies"}},
    ],
)
def test_no_known_allergy_is_a_record_of_none_not_an_unknown_substance(
    nka: dict[str, Any],
) -> None:
    """Before, 'No known allergy' was read as a substance not known here: the allergy checks
    were said not done, when the record said there was nothing to check."""
    r = record(nka)
    assert r.patient.allergies == ()
    assert not any("not a drug" in n or "not checked" in n for n in r.notes)


def test_no_known_food_allergy_or_no_information_says_nothing_of_drugs() -> None:
    for other in (
        _allergy_coded(IPS, "no-allergy-info", "No information about allergies"),
        _allergy_coded(IPS, "no-known-food-allergies", "No known food allergies"),
        {"resourceType": "AllergyIntolerance", "code": {"text": "No known environmental allergy"}},
        _allergy_coded(
            SNOMED,
            "409137002",
            "NKDA",
            verificationStatus={"coding": [{"code": "entered-in-error"}]},
        ),
    ):
        assert record(other).patient.allergies is None  # not recorded
    # A drug allergy beside them is read as usual.
    assert record(
        _allergy_coded(IPS, "no-known-food-allergies", "No known food allergies"),
        {"resourceType": "AllergyIntolerance", "code": {"text": "baclofen"}},
    ).patient.allergies == ("baclofen",)


def test_an_allergy_to_a_combination_product_names_every_ingredient() -> None:
    """Any ingredient may be the cause: all are kept (before, only the first was, so an allergy
    to the aspirin/carisoprodol/codeine product missed codeine). A list typed as text is left
    whole: the check splits it (safety.checks.contraindications.allergy_covers)."""
    r = record({"resourceType": "AllergyIntolerance",
                "code": {"coding": [{"system": RXNORM, "code": "994226"}],
                         "text": "Carisoprodol/ASA/Codeine"}})  # fmt: skip
    assert set(r.patient.allergies or ()) == {"carisoprodol", "aspirin", "codeine"}


# -- medications -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dosage", "text", "prn"),
    [
        ({"timing": {"code": {"coding": [{"code": "TID"}]}}}, "baclofen tid", False),
        (
            {
                "timing": {"code": {"coding": [{"code": "TID"}]}},
                "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}],
                "route": {"coding": [{"display": "Oral route"}]},
            },
            "baclofen 10 mg po tid",
            False,
        ),
        (
            {
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
                "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}],
                "asNeededBoolean": True,
            },
            "baclofen 5 mg q8h prn",
            True,
        ),
        (
            {
                "timing": {"code": {"coding": [{"code": "Q6H"}]}},
                "asNeededCodeableConcept": {"text": "spasm"},
                "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "tablets"}}],
            },
            "2 tab baclofen 10 mg q6h prn",
            True,
        ),
        (
            {
                "timing": {
                    "repeat": {
                        "frequency": 2,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsDuration": {"value": 14, "unit": "days", "code": "d"},
                    }
                },
                "doseAndRate": [{"doseRange": {"high": {"value": 20, "unit": "mg"}}}],
            },
            "baclofen 20 mg bid for 14 days",
            False,
        ),
        ({"text": "baclofen 10 mg three times a day"}, "baclofen 10 mg three times a day", False),
        ({"text": "10 mg tid"}, "baclofen 10 mg tid", False),
    ],
)
def test_dosage_becomes_dose_text(dosage: dict[str, Any], text: str, prn: bool) -> None:
    r = record(med_request("Baclofen 10 MG Oral Tablet", dosage=dosage))
    (order,) = r.patient.medications
    assert order.text == text
    assert order.prn is prn
    assert order.start == date(2022, 1, 10)


def test_missing_dosage_is_a_drug_only_order() -> None:
    r = record(med_request("Cyclobenzaprine Hydrochloride 10 MG Oral Tablet", rid="x1"))
    (order,) = r.patient.medications
    assert order.drug == "cyclobenzaprine"
    assert order.dose is None and order.frequency is None
    assert (
        "MedicationRequest x1: Cyclobenzaprine Hydrochloride 10 MG Oral Tablet, no dosage; checked as drug only"
        in r.notes
    )


def test_dosage_without_frequency_is_a_drug_only_order() -> None:
    dosage = {"doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}], "text": "as directed"}
    r = record(med_request("baclofen", rid="x2", dosage=dosage))
    (order,) = r.patient.medications
    assert order.frequency is None
    assert any("x2: no frequency (text 'as directed'); checked as drug only" in n for n in r.notes)


def test_unitless_dose_is_read_as_tablets_with_a_note() -> None:
    r = record(med_request("Methocarbamol 750 MG Oral Tablet", dosage=per_day(4, value=2)))
    (order,) = r.patient.medications
    assert (order.tablets, order.dose_mg, order.daily_dose_mg) == (2, 1500, 6000)
    assert any("has no unit; read as 2 x 750 mg" in n for n in r.notes)


def test_unknown_drug_is_noted_and_listed() -> None:
    r = record(med_request("Fooxetine 20 MG Oral Tablet", rid="s1", code="99999999"))
    assert r.patient.medications == ()
    (item,) = r.patient.not_checked
    assert (item.kind, item.reason, item.item) == (
        "medication",
        "unknown_drug",
        "Fooxetine 20 MG Oral Tablet",
    )
    assert (
        "MedicationRequest s1: Fooxetine 20 MG Oral Tablet not a drug known here; not checked"
        in r.notes
    )


def test_a_drug_no_rule_uses_is_read_not_listed_as_unknown() -> None:
    """Simvastatin is an RxNorm ingredient of the product index: read, in no class."""
    r = record(med_request("Simvastatin 20 MG Oral Tablet", rid="s1"))
    (order,) = r.patient.medications
    assert (order.drug, order.has_monograph) == ("simvastatin", False)
    assert r.patient.not_checked == ()


def test_brand_in_brackets_and_ingredient_rxcui() -> None:
    r = record(
        med_request(
            "Soma 350 MG Oral Tablet [Soma]", rid="a", dosage=per_day(3, value=1, unit="{tbl}")
        ),
        med_request("whatever", rid="b", code="1292"),  # RxNorm ingredient: baclofen
    )
    drugs = [(o.drug, o.dose_mg) for o in r.patient.medications]
    assert drugs == [("carisoprodol", 350), ("baclofen", None)]
    assert r.medication_references == ("MedicationRequest/a", "MedicationRequest/b")


def test_combination_product() -> None:
    dosage = per_day(4, value=1, unit="tablet")
    r = record(med_request("Carisoprodol 200 MG / Aspirin 325 MG Oral Tablet", dosage=dosage))
    assert [(o.drug, o.dose_mg) for o in r.patient.medications] == [
        ("carisoprodol", 200),
        ("aspirin", 325),
    ]
    assert all(o.components == ("carisoprodol", "aspirin") for o in r.patient.medications)
    # Every ingredient is an order with its own strength; a dose in mg cannot be split.
    text = "Aspirin 325 MG / Carisoprodol 200 MG / Codeine Phosphate 16 MG Oral Tablet"
    r = record(med_request(text, rid="c", dosage=per_day(2, value=1, unit="{tbl}")))
    assert [(o.drug, o.dose_mg) for o in r.patient.medications] == [
        ("aspirin", 325),
        ("carisoprodol", 200),
        ("codeine", 16),
    ]
    assert r.medication_references == ("MedicationRequest/c",) * 3
    r = record(med_request(text, rid="c", dosage=per_day(2, value=200, unit="mg")))
    assert [o.dose for o in r.patient.medications] == [None, None, None]
    assert any("of a combination product; checked without a dose" in n for n in r.notes)


def test_liquid_dose_in_ml_with_a_concentration() -> None:
    dosage = per_day(3, value=5, unit="mL")
    r = record(med_request("Baclofen 1 MG/ML Oral Suspension", dosage=dosage))
    (order,) = r.patient.medications
    assert order.dose_mg == 5


def test_statuses_and_statements() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "st",
        "status": "active",
        "medicationCodeableConcept": {"text": "Tizanidine 2 MG Oral Tablet"},
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2021-03-01"},
        "dosage": [{"timing": {"code": {"coding": [{"code": "QD"}]}}}],
    }
    r = record(
        med_request("baclofen", rid="on", status="on-hold"),
        med_request("diazepam", rid="stopped", status="stopped"),
        med_request("diazepam", rid="proposal", intent="proposal"),
        med_request("diazepam", rid="dnp", doNotPerform=True),
        statement,
    )
    assert [o.drug for o in r.patient.medications] == ["baclofen", "tizanidine"]
    tiz = r.patient.medications[1]
    assert tiz.start == date(2021, 3, 1) and tiz.doses_per_day == 1
    assert "MedicationRequest on is on hold; checked as current" in r.notes
    assert "1 MedicationRequest stopped (not current) not used" in r.notes
    assert r.medication_references[1] == "MedicationStatement/st"


def test_repeated_current_order_counted_once() -> None:
    r = record(med_request("baclofen", rid="a"), med_request("baclofen", rid="b"))
    assert len(r.patient.medications) == 1
    assert any("repeats a current baclofen order" in n for n in r.notes)


# -- draft orders ----------------------------------------------------------------------------


def test_draft_orders() -> None:
    drafts = orders_from_fhir(
        bundle(
            med_request(
                "Baclofen 10 MG Oral Tablet",
                rid="d1",
                status="draft",
                dosage=per_day(3, value=1, unit="tablet"),
            ),
            med_request("Fooxetine 20 MG", rid="d2", status="draft"),
            med_request("diazepam", rid="d3", status="cancelled"),
            med_request("tizanidine", rid="d4", status="draft"),
            {"resourceType": "ServiceRequest", "id": "sr"},
        )
    )
    assert [o.drug for o in drafts.orders] == ["baclofen", "tizanidine"]
    assert drafts.ids == ("d1", "d4")
    assert drafts.orders[0].text == "1 tab baclofen 10 mg tid"
    assert drafts.unrecognized == ("Fooxetine 20 MG",)
    assert "MedicationRequest d3: status cancelled; not checked" in drafts.notes
    assert "ServiceRequest sr: not a medication order; ignored" in drafts.notes
    assert "MedicationRequest d4: tizanidine, no dosage; checked as drug only" in drafts.notes


def test_draft_orders_input_error_names_the_field() -> None:
    with pytest.raises(InputError) as exc:
        orders_from_fhir([{"resourceType": "MedicationRequest"}, 3])
    assert exc.value.field == "draftOrders[1]"


def _smoking(code: str, display: str, when: str, oid: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "72166-2"}]},
        "effectiveDateTime": when,
        "valueCodeableConcept": {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
        },
    }


def test_the_latest_smoking_status_decides() -> None:
    """A current smoker (US Core smoking status, SNOMED CT value) is the tobacco_smoking
    condition tizanidine's CYP1A2 induction rule needs; a later 'former smoker' clears it."""
    smoker = record(_smoking("449868002", "Smokes tobacco daily", "2021-01-01", "s1"))
    assert "tobacco_smoking" in smoker.patient.conditions
    quit = record(
        _smoking("449868002", "Smokes tobacco daily", "2020-01-01", "s1"),
        _smoking("8517006", "Ex-smoker", "2022-01-01", "s2"),
    )
    assert "tobacco_smoking" not in quit.patient.conditions
    future = record(_smoking("449868002", "Smokes tobacco daily", "2023-01-01", "s3"))
    assert "tobacco_smoking" not in future.patient.conditions
