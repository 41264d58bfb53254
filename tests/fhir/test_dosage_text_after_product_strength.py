"""A MedicationRequest whose Dosage has only text, for a product whose strength the code gives.

EHRs often send an RxNorm product ('Cyclobenzaprine hydrochloride 10 MG Oral Tablet', 828348)
with the printed instructions as the only dosage ('Take 1 tablet (10 mg total) by mouth 3
(three) times daily as needed for muscle spasms.'). The text names no strength, so it was read as
the drug only ('no frequency'): the dose limits went unchecked. It is now read after the
product's own strength, with the EHR's stated total checked against it."""

from __future__ import annotations

from typing import Any

from myorelax.fhir.importing import orders_from_fhir

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def request(code: str, display: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "draft-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/1"},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": code, "display": display}]
        },
        "dosageInstruction": [{"text": text}],
    }


def test_a_tablet_product_with_printed_instructions_is_dose_checked() -> None:
    drafts = orders_from_fhir(
        [
            request(
                "828348",
                "Cyclobenzaprine hydrochloride 10 MG Oral Tablet",
                "Take 1 tablet (10 mg total) by mouth 3 (three) times daily as needed for muscle spasms.",
            )
        ]
    )
    (o,) = drafts.orders
    assert (o.drug, o.dose_mg, o.frequency and o.frequency.code, o.prn) == (
        "cyclobenzaprine",
        10,
        "tid",
        True,
    )
    assert any("dose read from its text" in n for n in drafts.notes)


def test_a_patch_product_with_printed_instructions_is_read_at_its_rate() -> None:
    drafts = orders_from_fhir(
        [
            request(
                "245134",
                "72 HR Fentanyl 0.025 MG/HR Transdermal Patch",
                "Apply 1 patch every 72 hours",
            )
        ]
    )
    (o,) = drafts.orders
    assert o.drug == "fentanyl" and o.dose is not None
    assert (o.dose.value, o.dose.unit, o.frequency and o.frequency.code) == (0.025, "mg/h", "q72h")


def test_a_stated_total_that_disagrees_with_the_product_is_not_read() -> None:
    drafts = orders_from_fhir(
        [
            request(
                "828348",
                "Cyclobenzaprine hydrochloride 10 MG Oral Tablet",
                "Take 2 tablets (10 mg total) by mouth 3 (three) times daily",
            )
        ]
    )
    (o,) = drafts.orders
    assert o.drug == "cyclobenzaprine" and o.dose is None
    assert any("checked as drug only" in n for n in drafts.notes)
