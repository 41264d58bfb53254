"""The FHIR CarePlan of /titrate and /taper carries what format=json carries: every alert (a
contained DetectedIssue, as /fhir/check reports alerts, referenced from supportingInfo, and a
note) and every not-checked item (a note with its reason code)."""

from __future__ import annotations

import httpx
from fhir.resources.R4B.careplan import CarePlan

from tests.api.server import Server


def _both(server: Server, path: str, body: dict[str, object], headers: dict[str, str]) -> tuple:
    plan = httpx.post(server.base + path, json=body, headers=headers)
    fhir = httpx.post(server.base + path + "?format=fhir", json=body, headers=headers)
    assert plan.status_code == 200 and fhir.status_code == 200, (plan.text, fhir.text)
    return plan.json(), fhir.json()


def _check(plan: dict, resource: dict) -> None:
    CarePlan.model_validate(resource)
    issues = {
        c["id"]: c for c in resource.get("contained", ()) if c["resourceType"] == "DetectedIssue"
    }
    codes = sorted(c["code"]["coding"][0]["code"] for c in issues.values())
    assert codes == sorted(a["code"] for a in plan["alerts"])
    assert {r["reference"][1:] for r in resource["supportingInfo"]} == set(issues)
    notes = [n["text"] for n in resource["note"]]
    for a in plan["alerts"]:
        assert f"Alert ({a['severity']}, {a['code']}): {a['summary']}" in notes
    for n in plan["not_checked"]:
        assert f"Not checked ({n['reason']}): {n['detail']}" in notes


def test_titrate_careplan_keeps_the_avoid_alert_and_the_not_checked_items(
    server: Server, clinician: dict[str, str]
) -> None:
    """PMID 28899601: avoid baclofen below eGFR 30. The FHIR form must not drop this major
    alert nor what was left unchecked (no allergies, pregnancy status recorded)."""
    plan, resource = _both(
        server,
        "/api/v1/titrate",
        {
            "drug": "baclofen",
            "start": "2027-01-04",
            "patient": {"age_years": 45, "crcl_ml_min": 20},
        },
        clinician,
    )
    assert plan["alerts"] and plan["not_checked"]
    _check(plan, resource)
    high = [
        c
        for c in resource["contained"]
        if c["resourceType"] == "DetectedIssue" and "Avoid" in c["code"]["text"]
    ]
    assert high and high[0]["severity"] == "high"
    assert "end" not in resource["period"]  # the maintenance dose continues


def test_taper_careplan_keeps_alerts_and_not_checked_items(
    server: Server, clinician: dict[str, str]
) -> None:
    """Zanaflex 5.1/2.2 taper of tizanidine: its alerts (liver monitoring) and not-checked
    items reach the CarePlan as they reach format=json."""
    plan, resource = _both(
        server,
        "/api/v1/taper",
        {"sig": "tizanidine 8 mg tid", "start": "2027-01-04", "patient": {"age_years": 45}},
        clinician,
    )
    assert plan["alerts"] and plan["not_checked"]
    _check(plan, resource)
    assert resource["period"]["end"] == plan["end"]
