"""The three Synthea bundles import into patients, and a draft carisoprodol order for Delbert (who
takes diazepam) raises the CNS-depressant interaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax.clinical.patient import kidney_function
from myorelax.clinical.regimen import Regimen
from myorelax.fhir.exporting import detected_issues, validate_r4
from myorelax.fhir.importing import orders_from_fhir, record_from_fhir
from myorelax.safety.engine import evaluate_regimen
from tests.fhir.helpers import DELBERT_ID, RXNORM, UCUM, bundle, synthea

TODAY = date(2022, 6, 1)


def test_delbert() -> None:
    record = record_from_fhir(synthea("Delbert"), today=TODAY)
    p = record.patient
    assert record.patient_fhir_id == DELBERT_ID
    assert p.age_years == 26
    assert p.sex == "male"
    assert p.weight_kg == pytest.approx(81.7, abs=0.1)
    assert p.height_cm == pytest.approx(178.4, abs=0.1)
    assert p.conditions == ("seizure_disorder",)  # Seizure disorder and Epilepsy: one id
    assert p.scr_mg_dl is None and p.egfr_ml_min is None
    assert not kidney_function(p).known
    assert "no kidney function in the record" in record.notes
    # The active Diazepam [Valium] request (RxNorm 563026, no dosage) is a current medication.
    (diazepam,) = p.medications
    assert diazepam.drug == "diazepam"
    assert diazepam.dose is None and diazepam.frequency is None
    assert diazepam.start == date(2001, 10, 25)
    assert record.medication_references == (
        "MedicationRequest/3dfd3aec-67ca-4dab-b154-839d18e50e5e",
    )
    assert any("no dosage; checked as drug only" in n for n in record.notes)
    # The stopped amoxicillin request and the resolved sinusitis are not used.
    assert "1 MedicationRequest stopped (not current) not used" in record.notes
    assert any("resolved or inactive Condition" in n for n in record.notes)
    assert any(n.startswith("weight 81.7 kg from Observation") for n in record.notes)


def test_abdul_has_nothing_current() -> None:
    record = record_from_fhir(synthea("Abdul"), today=TODAY)
    p = record.patient
    assert p.age_years == 65
    assert p.sex == "male"
    assert p.medications == () and p.not_checked == ()
    assert p.conditions == ()
    assert "2 MedicationRequest stopped (not current) not used" in record.notes
    assert any("obesity (finding): not a condition the checks use" in n for n in record.notes)


def test_clint_kidney_function_and_an_unknown_drug() -> None:
    record = record_from_fhir(synthea("Clint"), today=TODAY)
    p = record.patient
    assert p.age_years == 54
    # Creatinine LOINC 38483-4 in mg/dL and eGFR 33914-3, the latest of each.
    assert p.scr_mg_dl is not None and p.egfr_ml_min is not None
    assert any(n.startswith("serum creatinine") and "latest of" in n for n in record.notes)
    assert any(n.startswith("eGFR") for n in record.notes)
    kf = kidney_function(p)
    assert kf.known and kf.egfr_basis == "given" and kf.crcl_ml_min is not None
    # Anemia (disorder) matches the knowledge base's condition by name.
    assert "hemolytic_anemia" in p.conditions
    # Simvastatin ("Simvistatin 10 MG" in Synthea, RxNorm 314231) is read by its code: an
    # ingredient no rule uses.
    (statin,) = p.medications
    assert (statin.drug, statin.dose_mg, statin.has_monograph) == ("simvastatin", 10, False)
    assert p.not_checked == ()
    # The egg allergy is a food allergy: not a drug, not checked.
    assert p.allergies == ()
    assert any("food allergy (Allergy to eggs)" in n for n in record.notes)


def _carisoprodol(dose: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "draft-carisoprodol",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{DELBERT_ID}"},
        "medicationCodeableConcept": {
            "coding": [
                {"system": RXNORM, "code": "197446", "display": "carisoprodol 350 MG Oral Tablet"}
            ]
        },
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": dose}],
            }
        ],
    }


@pytest.mark.parametrize(
    "dose",
    [
        {"value": 1, "unit": "tablet", "system": UCUM, "code": "{tbl}"},
        {"value": 350, "unit": "mg", "system": UCUM, "code": "mg"},
    ],
    ids=["1 tablet", "350 mg"],
)
def test_delbert_draft_carisoprodol_raises_cns_depressant_interaction(dose: dict[str, Any]) -> None:
    record = record_from_fhir(synthea("Delbert"), today=TODAY)
    drafts = orders_from_fhir(bundle(_carisoprodol(dose)))
    (order,) = drafts.orders
    assert drafts.ids == ("draft-carisoprodol",)
    assert order.drug == "carisoprodol"
    assert order.dose_mg == 350
    assert order.frequency is not None and order.frequency.code == "tid"
    assert order.daily_dose_mg == 1050

    report = evaluate_regimen(record.patient, Regimen(orders=drafts.orders), today=TODAY)
    cns = [a for a in report.alerts if a.code == "MRX-DDI-003"]
    assert cns, [a.code for a in report.alerts]
    assert set(cns[0].drugs) == {"carisoprodol", "diazepam"}
    assert cns[0].severity in ("major", "contraindicated")

    refs = {"carisoprodol": "MedicationRequest/draft-carisoprodol"}
    refs |= {
        o.drug: ref
        for o, ref in zip(record.patient.medications, record.medication_references, strict=True)
        if ref
    }
    issues = detected_issues(report, patient_reference=f"Patient/{DELBERT_ID}", implicated=refs)
    assert len(issues) == len(report.alerts)
    for issue in issues:
        validate_r4(issue)
    issue = next(i for i in issues if i["code"]["coding"][0]["code"] == "MRX-DDI-003")
    assert issue["severity"] == "high"
    assert {x.get("reference") for x in issue["implicated"]} == {
        "MedicationRequest/draft-carisoprodol",
        "MedicationRequest/3dfd3aec-67ca-4dab-b154-839d18e50e5e",
    }
