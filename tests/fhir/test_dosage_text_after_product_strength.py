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


def text_only(text: str) -> dict[str, Any]:
    """A draft whose medication is text only, as EHRs send a medication without a standard code."""
    return {
        "resourceType": "MedicationRequest",
        "id": "draft-2",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/1"},
        "medicationCodeableConcept": {"text": text},
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            }
        ],
    }


def test_an_ehr_printed_medication_name_is_read_with_its_strength() -> None:
    """'tiZANidine (ZANAFLEX) 4 MG tablet' as the only medication text was 'not a drug known
    here' (the brand in parentheses); it is tizanidine 4 mg a tablet, so 1 tablet tid is 4 mg
    tid and every rule applies."""
    drafts = orders_from_fhir([text_only("tiZANidine (ZANAFLEX) 4 MG tablet")])
    (o,) = drafts.orders
    assert (o.drug, o.dose_mg, o.frequency and o.frequency.code) == ("tizanidine", 4, "tid")
    assert drafts.unrecognized == ()


def test_a_printed_name_with_another_drug_in_parentheses_is_not_read() -> None:
    drafts = orders_from_fhir([text_only("baclofen (FLEXERIL) 10 MG tablet")])
    assert not drafts.orders
    assert drafts.unrecognized == ("baclofen (FLEXERIL) 10 MG tablet",)


def test_a_printed_combination_with_an_unknown_part_checks_the_known_part() -> None:
    # ensitrelvir is in no RxNorm release here (nirmatrelvir, the first example, now is: Paxlovid)
    drafts = orders_from_fhir([text_only("ensitrelvir/ritonavir")])
    assert [o.drug for o in drafts.orders] == ["ritonavir"]
    assert any("ensitrelvir not known here" in n for n in drafts.notes)


def test_a_printed_combination_name_gives_each_ingredient_its_strength() -> None:
    """'oxyCODONE-acetaminophen (PERCOCET) 5-325 MG per tablet', 2 tablets: oxycodone 10 mg and
    acetaminophen 650 mg a dose (the acetaminophen total was unread before)."""
    drafts = orders_from_fhir([text_only("oxyCODONE-acetaminophen (PERCOCET) 5-325 MG per tablet")])
    assert sorted((o.drug, o.dose_mg) for o in drafts.orders) == [
        ("acetaminophen", 325),
        ("oxycodone", 5),
    ]
