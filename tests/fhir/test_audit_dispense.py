"""MedicationDispense in a patient record (audit): read as a current medication when its supply
covers the date checked, said when whether it is still taken cannot be told, and never dropped;
a medication in a resource type that is still not read is a not-checked item."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.regimen import Regimen
from myorelax.clinical.sig import parse_medication
from myorelax.fhir.importing import FhirRecord, record_from_fhir
from myorelax.safety.engine import evaluate_regimen
from tests.fhir.helpers import RXNORM, UCUM, bundle, med_request, patient, per_day

TODAY = date(2022, 6, 1)
ALPRAZOLAM = ("308048", "alprazolam 0.5 MG Oral Tablet")
STU3 = Path("/work/shared/external/fhir/smart-stu3-sample-patients")


def dispense(
    rid: str = "d1",
    *,
    drug: tuple[str, str] = ALPRAZOLAM,
    status: str = "completed",
    handed: str | None = "2022-05-20",
    days: float | None = 30,
    dosage: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    code, display = drug
    r: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": rid,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": code, "display": display}],
            "text": display,
        },
        "quantity": {"value": 90, "unit": "tablets"},
    }
    if handed is not None:
        r["whenHandedOver"] = handed
    if days is not None:
        r["daysSupply"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
    if dosage is not None:
        r["dosageInstruction"] = [dosage]
    r.update(extra)
    return r


def record(*resources: dict[str, Any]) -> FhirRecord:
    return record_from_fhir(bundle(patient(), *resources), today=TODAY)


def reasons(r: FhirRecord) -> list[str]:
    return [n.reason for n in r.patient.not_checked]


def test_a_dispense_whose_supply_covers_the_date_is_a_current_medication() -> None:
    """Handed over 2022-05-20 with 30 days' supply covers 2022-06-01: the alprazolam is taken
    now, with the dose and frequency of its dosageInstruction (the typed dosage reader), and
    nothing about it is in doubt."""
    r = record(dispense(dosage=per_day(3, value=0.5, unit="mg")))
    (order,) = r.patient.medications
    assert order.drug == "alprazolam"
    assert order.dose_mg == 0.5 and order.doses_per_day == 3
    assert order.start == date(2022, 5, 20)
    assert r.medication_references == ("MedicationDispense/d1",)
    assert "possibly_current" not in reasons(r)


def test_a_dispense_whose_supply_ran_out_is_not_a_current_medication() -> None:
    """Handed over 2022-03-01 with 30 days' supply ran out on 2022-03-31: not taken on
    2022-06-01, and the note says it was not used."""
    r = record(dispense(handed="2022-03-01"))
    assert r.patient.medications == ()
    assert any("whose supply ran out" in n for n in r.notes)


def test_a_dispense_without_days_supply_in_the_window_is_possibly_current() -> None:
    """No daysSupply, handed over 40 days ago (within the 90-day window): whether it is still
    taken cannot be told, so it is checked as current and that is said as a not-checked item."""
    r = record(dispense(handed="2022-04-22", days=None))
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    (item,) = [n for n in r.patient.not_checked if n.reason == "possibly_current"]
    assert item.kind == "medication" and "MedicationDispense d1" in item.detail
    assert "without a readable days' supply" in item.detail


def test_a_dispense_without_days_supply_beyond_the_window_is_not_current() -> None:
    """No daysSupply, handed over a year before: not a current medication (said in a note)."""
    r = record(dispense(handed="2021-06-01", days=None))
    assert r.patient.medications == ()
    assert any("without a days' supply handed over more than 90 days" in n for n in r.notes)


def test_a_dispense_without_a_date_is_possibly_current() -> None:
    """Neither whenHandedOver nor whenPrepared: its currency cannot be told; checked as current,
    and said."""
    r = record(dispense(handed=None))
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    (item,) = [n for n in r.patient.not_checked if n.reason == "possibly_current"]
    assert "no date it was handed over" in item.detail


def test_when_prepared_stands_for_when_handed_over() -> None:
    """A dispense only prepared (whenPrepared) dates from that: prepared 2022-05-25 with 30
    days' supply is current, and starts then."""
    r = record(dispense(handed=None, whenPrepared="2022-05-25"))
    (order,) = r.patient.medications
    assert order.start == date(2022, 5, 25)
    assert "possibly_current" not in reasons(r)


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "declined", "stopped"])
def test_a_dispense_that_did_not_happen_does_not_count(status: str) -> None:
    """entered-in-error, cancelled, declined (and stopped) dispenses are not medications taken."""
    r = record(dispense(status=status))
    assert r.patient.medications == ()
    assert f"1 MedicationDispense {status} (not current) not used" in r.notes


def test_a_dispense_in_progress_counts() -> None:
    """in-progress counts as completed does, with no doubt said."""
    r = record(dispense(status="in-progress"))
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    assert "possibly_current" not in reasons(r)


def test_a_dispense_of_an_unsettled_status_is_possibly_current() -> None:
    """preparation: it may be taken soon or now; checked as current, and said."""
    r = record(dispense(status="preparation"))
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    (item,) = [n for n in r.patient.not_checked if n.reason == "possibly_current"]
    assert "status preparation" in item.detail


def test_a_dispense_of_a_drug_a_current_request_gives_is_counted_once() -> None:
    """The pharmacy's dispense of an active prescription is the same medication: counted once,
    whichever comes first in the record."""
    request = med_request(ALPRAZOLAM[1], rid="rx", code=ALPRAZOLAM[0])
    r = record(dispense(), request)
    assert [o.drug for o in r.patient.medications] == ["alprazolam"]
    assert r.medication_references == ("MedicationRequest/rx",)
    assert any("counted once" in n for n in r.notes)


def test_an_stu3_dispense_with_the_dose_on_the_dosage_and_a_medication_reference() -> None:
    """STU3: doseQuantity on the Dosage itself; the medication through a contained Medication."""
    stu3_dosage = {
        "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "doseQuantity": {"value": 0.5, "unit": "mg", "system": UCUM, "code": "mg"},
    }
    r = record(
        dispense(
            dosage=stu3_dosage,
            medicationCodeableConcept=None,
            contained=[
                {
                    "resourceType": "Medication",
                    "id": "m",
                    "code": {"coding": [{"system": RXNORM, "code": ALPRAZOLAM[0]}]},
                }
            ],
            medicationReference={"reference": "#m"},
        )
    )
    (order,) = r.patient.medications
    assert order.drug == "alprazolam" and order.dose_mg == 0.5 and order.doses_per_day == 2


def test_a_dispensed_benzodiazepine_is_checked_with_the_order() -> None:
    """The audit case: carisoprodol ordered, oxycodone prescribed, alprazolam dispensed. The
    dispensed alprazolam takes part in the checks (carisoprodol + benzodiazepine)."""
    r = record(
        med_request("oxycodone hydrochloride 5 MG Oral Tablet", rid="o", code="1049621"),
        dispense(dosage=per_day(3, value=0.5, unit="mg")),
    )
    order = parse_medication("carisoprodol 350 mg tid").orders
    report = evaluate_regimen(r.patient, Regimen(orders=tuple(order)), today=TODAY)
    assert any("alprazolam" in a.drugs and "carisoprodol" in a.drugs for a in report.alerts)


def test_a_medication_administration_is_a_not_checked_item() -> None:
    """A resource type carrying a medication that is not read (MedicationAdministration) is
    never dropped: a not-checked item names the drug and the resource type."""
    given = {
        "resourceType": "MedicationAdministration",
        "id": "ma",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "lorazepam 2 MG injection"},
        "effectiveDateTime": "2022-05-31",
    }
    r = record(given)
    (item,) = r.patient.not_checked
    assert item.reason == "unread_resource" and item.item == "lorazepam 2 MG injection"
    assert "MedicationAdministration" in item.detail


@pytest.mark.skipif(not STU3.exists(), reason="the SMART STU3 sample patients are not here")
def test_every_dispense_of_the_smart_stu3_samples_is_read_or_said() -> None:
    """Each MedicationDispense of the SMART STU3 bundles is a current medication, or counted in
    a note of what was not used (none is silently dropped)."""
    seen = 0
    for path in sorted(STU3.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        n = sum(
            1
            for e in data.get("entry", [])
            if e.get("resource", {}).get("resourceType") == "MedicationDispense"
        )
        if not n:
            continue
        seen += n
        r = record_from_fhir(data, today=date(2017, 9, 1))
        used = sum(1 for ref in r.medication_references if ref and "MedicationDispense" in ref)
        said = sum(
            int(note.split()[0])
            for note in r.notes
            if "MedicationDispense" in note and note.endswith("not used")
        )
        once = sum(1 for note in r.notes if "MedicationDispense" in note and "counted once" in note)
        unread = sum(
            1 for note in r.notes if note.startswith("MedicationDispense") and "not a drug" in note
        )
        assert used + said + once + unread == n, path.name
    assert seen > 0
