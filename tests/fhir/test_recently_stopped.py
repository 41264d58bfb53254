"""Medications the record shows stopped or completed recently are kept (not as current ones)
for the interactions that outlast the last dose: cyclobenzaprine is contraindicated with an MAO
inhibitor and within 14 days after it is stopped (cyclobenzaprine tablets label,
CONTRAINDICATIONS)."""

from __future__ import annotations

from datetime import date
from typing import Any

from myorelax import evaluate_regimen, regimen_from
from myorelax.fhir.codes import STOPPED_LOOKBACK_DAYS
from myorelax.fhir.importing import record_from_fhir
from myorelax.knowledge.loader import load_knowledge
from myorelax.units import convert

TODAY = date(2026, 12, 1)
PHENELZINE = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                          "code": "8123", "display": "phenelzine"}], "text": "phenelzine"}  # fmt: skip


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in (patient, *resources)]}  # fmt: skip


def maoi(status: str, **dates: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": "s1", "status": status,
            "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": PHENELZINE,
            "dosage": [{"text": "15 mg three times a day"}], **dates}  # fmt: skip


def ddi002(record_bundle: dict[str, Any]) -> list[Any]:
    record = record_from_fhir(record_bundle, today=TODAY)
    report = evaluate_regimen(
        record.patient, regimen_from(["cyclobenzaprine 5 mg tid"]), today=TODAY
    )
    return [a for a in report.alerts if a.code == "MRX-DDI-002"]


def test_an_maoi_stopped_ten_days_ago_contraindicates_cyclobenzaprine() -> None:
    """Stopped 2026-11-21, ten days before: within the 14 days; the alert gives the date."""
    found = ddi002(bundle(maoi("stopped", effectivePeriod={"start": "2026-01-01",
                                                           "end": "2026-11-21"})))  # fmt: skip
    assert found and found[0].severity == "contraindicated"
    assert "stopped on 2026-11-21 (10 days ago)" in found[0].detail


def test_an_maoi_stopped_twenty_days_ago_is_past_the_washout() -> None:
    """Stopped 2026-11-11, twenty days before: past the 14 days, no interaction."""
    assert not ddi002(bundle(maoi("completed", effectivePeriod={"end": "2026-11-11"})))


def test_an_maoi_stopped_on_a_date_not_recorded_counts_and_says_so() -> None:
    """A stopped statement last dated within the look-back, its stop date not recorded: taken as
    within the washout (the conservative reading), said in the alert."""
    found = ddi002(bundle(maoi("stopped", dateAsserted="2026-10-15")))
    assert found and "stop date is not recorded" in found[0].detail


def test_an_old_stopped_maoi_is_not_kept() -> None:
    """Last dated long before the look-back: not a recently stopped medication at all."""
    record = record_from_fhir(bundle(maoi("stopped", dateAsserted="2024-01-01")), today=TODAY)
    assert record.patient.stopped_medications == ()
    assert not record.patient.medications


def test_every_washout_in_the_knowledge_fits_the_look_back() -> None:
    """The importer keeps stopped medications for STOPPED_LOOKBACK_DAYS: every interaction's
    washout must fit within it, or a stopped drug would be dropped before its washout ends."""
    kb = load_knowledge()
    for mono in kb.drugs.values():
        for x in mono.interactions:
            if x.washout is not None:
                span = x.washout.value or x.washout.high or x.washout.low
                assert span is not None
                assert convert(span, x.washout.unit, "day") <= STOPPED_LOOKBACK_DAYS, x.id
