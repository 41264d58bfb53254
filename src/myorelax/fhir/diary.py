"""Diary entries as FHIR R4 resources, and back.

Scores become Observations (LOINC where a code exists: pain 72514-3, PSS-10 total 106860-0;
a local code system, `urn:myorelax:diary`, elsewhere); doses become MedicationStatements (RxNorm
ingredient code, dose in mg, planned / extra / as needed in the note). A collection Bundle carries
them; `entries_from_bundle` reads the same shapes back.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from myorelax.diary.entries import DiaryEntry
from myorelax.errors import InputError
from myorelax.fhir.codes import RXNORM
from myorelax.knowledge.schema import KnowledgeBase

LOINC = "http://loinc.org"
LOCAL = "urn:myorelax:diary"
UCUM = "http://unitsofmeasure.org"
CODES: dict[str, tuple[str, str, str]] = {
    "pain": (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "pss10": (LOINC, "106860-0", "Perceived Stress Scale-10 total score"),
    "stress": (LOCAL, "stress-nrs", "Stress, 0-10 numeric rating"),
    "stiffness": (LOCAL, "stiffness-nrs", "Stiffness, 0-10 numeric rating"),
    "spasm": (LOCAL, "spasm-frequency-penn", "Spasm frequency, Penn scale 0-4"),
    "sleep": (LOCAL, "sleep-hours", "Sleep duration"),
    "side_effect": (LOCAL, "side-effect", "Side effect"),
    "note": (LOCAL, "note", "Diary note"),
}
KIND_OF = {code: kind for kind, (_, code, _) in CODES.items()}


def _cc(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _score(value: float, unit: str = "{score}") -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def entry_resource(e: DiaryEntry, kb: KnowledgeBase, subject: str) -> dict[str, Any]:
    when = e.at.isoformat()
    if e.kind == "dose":
        assert e.drug is not None and e.dose_mg is not None
        drug = kb.drugs.get(e.drug)
        code = drug.identifiers.rxcui.value if drug else None
        med = {"text": e.drug}
        if code:
            med = _cc(RXNORM, code, e.drug)
        return {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": med,
            "subject": {"reference": subject},
            "effectiveDateTime": when,
            "dosage": [
                {
                    "asNeededBoolean": e.dose_status == "prn",
                    "doseAndRate": [{"doseQuantity": _score(e.dose_mg, "mg")}],
                }
            ],
            "note": [{"text": f"dose_status: {e.dose_status}"}],
        }
    system, code, display = CODES[e.kind]
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            _cc("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")
        ],
        "code": _cc(system, code, display),
        "subject": {"reference": subject},
        "effectiveDateTime": when,
    }
    components: list[dict[str, Any]] = []
    if e.kind == "side_effect":
        obs["valueCodeableConcept"] = {"text": e.symptom}
    elif e.kind == "note":
        obs["valueString"] = e.text
    elif e.value is not None:
        obs["valueQuantity"] = _score(e.value, "h" if e.kind == "sleep" else "{score}")
    if e.severity is not None:
        components.append(
            {"code": _cc(LOCAL, "severity", "Severity 1-3"), "valueInteger": e.severity}
        )
    if e.quality is not None:
        components.append(
            {
                "code": _cc(LOCAL, "sleep-quality", "Sleep quality 0-10"),
                "valueQuantity": _score(e.quality),
            }
        )
    for i, answer in enumerate(e.items or (), start=1):
        components.append(
            {"code": _cc(LOCAL, f"pss10-item-{i}", f"PSS-10 item {i}"), "valueInteger": answer}
        )
    if components:
        obs["component"] = components
    if e.text and e.kind != "note":
        obs["note"] = [{"text": e.text}]
    return obs


def diary_bundle(entries: list[DiaryEntry], kb: KnowledgeBase, subject: str) -> dict[str, Any]:
    """A collection Bundle of the entries, validated against the R4B models."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": entry_resource(e, kb, subject)} for e in entries],
    }
    Bundle.model_validate(bundle)
    return bundle


def entries_from_bundle(bundle: dict[str, Any]) -> list[DiaryEntry]:
    """Diary entries from a Bundle of the shapes `diary_bundle` writes; anything else is an error
    naming the entry."""
    if bundle.get("resourceType") != "Bundle":
        raise InputError("is not a FHIR Bundle", field="resourceType")
    out = []
    for i, item in enumerate(bundle.get("entry", [])):
        r = item.get("resource", {})
        where = f"entry[{i}]"
        try:
            if r.get("resourceType") == "MedicationStatement":
                dosage = r["dosage"][0]
                note = (r.get("note") or [{"text": ""}])[0]["text"]
                status = note.split(": ", 1)[1] if note.startswith("dose_status: ") else None
                out.append(
                    DiaryEntry(
                        at=r["effectiveDateTime"],
                        kind="dose",
                        drug=r["medicationCodeableConcept"]["text"],
                        dose_mg=dosage["doseAndRate"][0]["doseQuantity"]["value"],
                        dose_status=status
                        or ("prn" if dosage.get("asNeededBoolean") else "planned"),
                    )
                )
                continue
            if r.get("resourceType") != "Observation":
                raise ValueError(f"{r.get('resourceType')} is not a diary resource")
            code = r["code"]["coding"][0]["code"]
            kind = KIND_OF.get(code)
            if kind is None:
                raise ValueError(f"unknown diary code {code!r}")
            data: dict[str, Any] = {"at": r["effectiveDateTime"], "kind": kind}
            if "valueQuantity" in r and kind != "pss10":
                data["value"] = r["valueQuantity"]["value"]
            if kind == "side_effect":
                data["symptom"] = r["valueCodeableConcept"]["text"]
            if kind == "note":
                data["text"] = r["valueString"]
            items = []
            for c in r.get("component", []):
                ccode = c["code"]["coding"][0]["code"]
                if ccode == "severity":
                    data["severity"] = c["valueInteger"]
                elif ccode == "sleep-quality":
                    data["quality"] = c["valueQuantity"]["value"]
                elif ccode.startswith("pss10-item-"):
                    items.append(c["valueInteger"])
            if items:
                data["items"] = items
            out.append(DiaryEntry.model_validate(data))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise InputError(f"{exc}".splitlines()[0], field=where) from None
    return out
