"""Every current medication of a real FHIR record is either resolved to ingredients or listed as
not checked: never dropped. The counts are printed (run with -s to see them).

The three Synthea bundles of tests/fixtures/fhir always run; the 149 Synthea R4 patients of
../shared/external (written outside this project) run when that folder is present.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from myorelax.fhir.importing import record_from_fhir, resources_of
from tests.fhir.helpers import synthea

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "fhir"
SYNTHEA_ZIP = EXTERNAL / "synthea-r4-smart-on-fhir" / "synthea_r4_149_bundles.zip"
CURRENT = {"MedicationRequest": {"active", "on-hold"}, "MedicationStatement": {"active", "intended", "on-hold"}}  # fmt: skip
TODAY = date(2026, 12, 1)


def _current_medications(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in resources:
        statuses = CURRENT.get(str(r.get("resourceType")))
        if statuses and r.get("status") in statuses and r.get("doNotPerform") is not True:
            out.append(r)
    return out


def account(bundle: dict[str, Any]) -> tuple[int, int, int]:
    """(current medications, resolved, listed as not checked); fails on one that is neither."""
    resources = resources_of(bundle)
    record = record_from_fhir(bundle, today=TODAY)
    refs = set(record.medication_references)
    listed = [n for n in record.patient.not_checked if n.kind in ("medication", "dose")]
    resolved = unchecked = 0
    for r in _current_medications(resources):
        ref = f"{r['resourceType']}/{r.get('id')}"
        label = f"{r['resourceType']} {r.get('id')}"
        if ref in refs:
            resolved += 1
            continue
        concept = r.get("medicationCodeableConcept") or {}
        shown = concept.get("text") or next(
            (c.get("display") for c in concept.get("coding", []) if c.get("display")), ""
        )
        said = [n for n in listed if label in n.detail or (shown and shown in n.detail)]
        repeated = any(label in note and "repeats" in note for note in record.notes)
        assert said or repeated, f"{label} ({shown}) is neither resolved nor listed"
        unchecked += 0 if repeated else 1
        resolved += 1 if repeated else 0
    return len(_current_medications(resources)), resolved, unchecked


@pytest.mark.parametrize("name", ["Abdul", "Clint", "Delbert"])
def test_fixture_bundles(name: str) -> None:
    total, resolved, unchecked = account(synthea(name))
    print(f"{name}: {total} current medications, {resolved} resolved, {unchecked} not checked")
    assert resolved + unchecked == total


def _external_bundles() -> Iterator[tuple[str, dict[str, Any]]]:
    with zipfile.ZipFile(SYNTHEA_ZIP) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.filename.endswith(".json"):
                yield info.filename, json.loads(z.read(info))


@pytest.mark.skipif(not SYNTHEA_ZIP.exists(), reason="../shared/external is not present")
def test_149_synthea_patients() -> None:
    totals = [0, 0, 0]
    patients = 0
    for _name, bundle in _external_bundles():
        for i, n in enumerate(account(bundle)):
            totals[i] += n
        patients += 1
    total, resolved, unchecked = totals
    share = resolved / total if total else 1.0
    print(
        f"{patients} Synthea patients: {total} current medications, {resolved} resolved "
        f"({share:.1%}), {unchecked} not checked"
    )
    assert patients == 149
    assert resolved + unchecked == total
    # Synthea writes RxNorm SCD/SBD codes: nearly all resolve; the rest are said.
    assert share > 0.9
