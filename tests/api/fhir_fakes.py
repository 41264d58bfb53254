"""FHIR test data for CDS calls: prefetch built from a Synthea bundle, draft orders, and a small
FHIR server (a thread) that answers the prefetch queries and records what it was sent."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
TYPES = {
    "medications": "MedicationRequest",
    "statements": "MedicationStatement",
    "conditions": "Condition",
    "allergies": "AllergyIntolerance",
    "observations": "Observation",
}


def bundle_resources(name: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return [e["resource"] for e in data["entry"]]


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}  # fmt: skip


def prefetch_of(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """What an EHR would send for our prefetch templates (active medications only)."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    patient = by_type["Patient"][0]
    out: dict[str, Any] = {"patient": patient}
    for key, rtype in TYPES.items():
        items = by_type.get(rtype, [])
        if rtype in ("MedicationRequest", "MedicationStatement"):
            items = [r for r in items if r.get("status") == "active"]
        out[key] = searchset(items) if items else None
    return out


def med_request(
    rid: str, display: str, *, per_day: int | None = None, dose_mg: float | None = None,
    status: str = "draft", patient: str = "Patient/1", rxcui: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    coding: dict[str, Any] = {"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                              "display": display}  # fmt: skip
    if rxcui:
        coding["code"] = rxcui
    r: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {"coding": [coding], "text": display},
        "subject": {"reference": patient},
        "authoredOn": "2026-11-20",
    }
    if per_day is not None:
        dosage: dict[str, Any] = {
            "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}}
        }
        if dose_mg is not None:
            dosage["doseAndRate"] = [{"doseQuantity": {
                "value": dose_mg, "unit": "mg", "system": "http://unitsofmeasure.org",
                "code": "mg"}}]  # fmt: skip
        r["dosageInstruction"] = [dosage]
    return r


def hook_request(
    hook: str, patient_id: str, drafts: list[dict[str, Any]], *,
    prefetch: dict[str, Any] | None = None, selections: list[str] | None = None,
    fhir_server: str | None = None, access_token: str = "ehr-access-token-xyz",
) -> dict[str, Any]:  # fmt: skip
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": patient_id}
    if hook in ("order-select", "order-sign"):
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": d} for d in drafts]}  # fmt: skip
    if hook == "order-select":
        context["selections"] = selections if selections is not None else [
            f"MedicationRequest/{d['id']}" for d in drafts]  # fmt: skip
    body: dict[str, Any] = {"hook": hook, "hookInstance": f"instance-{hook}-{patient_id}",
                            "context": context}  # fmt: skip
    if prefetch is not None:
        body["prefetch"] = prefetch
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
        body["fhirAuthorization"] = {"access_token": access_token, "token_type": "Bearer",
                                     "expires_in": 300, "scope": "patient/*.read",
                                     "subject": "cds-service"}  # fmt: skip
    return body


@contextmanager
def fake_fhir_server(resources: list[dict[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    """A FHIR server answering `Type/id` reads and `Type?patient=...` searches from
    `resources`; yields (base URL, the Authorization headers it received)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            path = self.path.lstrip("/")
            rtype, _, rest = path.partition("?") if "?" in path else path.partition("/")
            if "?" in path:
                body: Any = searchset([r for r in resources if r["resourceType"] == rtype
                                       and (rtype not in ("MedicationRequest", "MedicationStatement")
                                            or r.get("status") == "active")])  # fmt: skip
            else:
                found = [r for r in resources if r["resourceType"] == rtype and r.get("id") == rest]
                if not found:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = found[0]
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


class MisbehavingFhir:
    """tests/cds_hooks/misbehaving_fhir.py running as a process: `base(mode)` is a fhirServer
    with that behaviour; `tokens_seen_elsewhere()` what reached the other origin."""

    def __init__(self, home: int, other: int) -> None:
        self.home, self.other = home, other

    def base(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.home}/{mode}"

    def tokens_seen_elsewhere(self) -> list[str]:
        import httpx

        return list(httpx.get(f"http://127.0.0.1:{self.home}/seen").json())


@contextmanager
def misbehaving_fhir_server() -> Iterator[MisbehavingFhir]:
    script = Path(__file__).resolve().parents[1] / "cds_hooks" / "misbehaving_fhir.py"
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    try:
        assert line and line[0] == "READY", line
        yield MisbehavingFhir(int(line[1]), int(line[2]))
    finally:
        proc.kill()
        proc.wait()
