"""Diary entries to a FHIR R4 Bundle (Observations, MedicationStatements) and back."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from myorelax import load_knowledge
from myorelax.diary.entries import DiaryEntry
from myorelax.errors import InputError
from myorelax.fhir.diary import diary_bundle, entries_from_bundle
from tests.diary.synthetic import at

KB = load_knowledge()
ENTRIES = [
    DiaryEntry(at=at(0, 8), kind="dose", drug="baclofen", dose_mg=10),
    DiaryEntry(at=at(0, 23), kind="dose", drug="baclofen", dose_mg=5, dose_status="extra"),
    DiaryEntry(at=at(0, 20), kind="pain", value=6),
    DiaryEntry(at=at(0, 20, 1), kind="spasm", value=2, severity=3),
    DiaryEntry(at=at(0, 20, 2), kind="pss10", items=(1, 2, 3, 0, 1, 2, 4, 3, 0, 1)),
    DiaryEntry(at=at(0, 22), kind="sleep", value=6.5, quality=4),
    DiaryEntry(at=at(0, 9), kind="side_effect", symptom="drowsiness", severity=2),
    DiaryEntry(at=at(0, 21), kind="note", text="Long walk today"),
]


def test_round_trip_through_a_valid_r4_bundle() -> None:
    bundle = diary_bundle(ENTRIES, KB, "Patient/1")
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    pain = next(
        r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "72514-3"
    )
    assert pain["valueQuantity"]["value"] == 6
    pss = next(
        r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "106860-0"
    )
    assert pss["valueQuantity"]["value"] == 17  # items 4, 5, 7, 8 reversed
    med = resources[0]
    assert (
        med["medicationCodeableConcept"]["coding"][0]["code"]
        == KB.drugs["baclofen"].identifiers.rxcui.value
    )
    assert entries_from_bundle(bundle) == ENTRIES


def test_unknown_resource_names_the_entry() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient"}}],
    }
    with pytest.raises(InputError) as err:
        entries_from_bundle(bundle)
    assert err.value.field == "entry[0]"
