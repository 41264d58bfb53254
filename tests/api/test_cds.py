"""CDS Hooks 2.0 against a real server: discovery, order-select / order-sign / patient-view with
prefetch and with fetching, the specification's signed-JWT example, JWT refusals, feedback."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from myorelax.api.cds_auth import CdsAuthError, CdsVerifier
from myorelax.api.settings import Settings, TrustedIssuer
from tests.api.fhir_fakes import (
    bundle_resources,
    fake_fhir_server,
    hook_request,
    med_request,
    prefetch_of,
)
from tests.api.server import ISSUER, RSA_ISSUER, Keys, Server

SPEC = Path(__file__).resolve().parents[1] / "cds_hooks" / "spec_examples"
ORDER = "/cds-services/myorelax-order-check"
REVIEW = "/cds-services/myorelax-patient-review"
DELBERT = "Delbert-synthea-r4.json"


def call(server: Server, keys: Keys, path: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
    token = keys.token(server.base + path, **kw)
    return httpx.post(server.base + path, json=body,
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip


def delbert_with(draft: dict[str, Any], hook: str = "order-select") -> dict[str, Any]:
    resources = bundle_resources(DELBERT)
    pid = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    return hook_request(hook, pid, [draft], prefetch=prefetch_of(resources))


def carisoprodol_draft() -> dict[str, Any]:
    return med_request("draft-soma", "carisoprodol 350 MG Oral Tablet", per_day=3, dose_mg=350)


# -- discovery -----------------------------------------------------------------------------------
def test_discovery_lists_one_id_for_order_select_and_order_sign(server: Server) -> None:
    services = httpx.get(server.base + "/cds-services").json()["services"]
    hooks = {(s["hook"], s["id"]) for s in services}
    assert hooks == {("order-select", "myorelax-order-check"),
                     ("order-sign", "myorelax-order-check"),
                     ("patient-view", "myorelax-patient-review")}  # fmt: skip
    for s in services:
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert "{{context.patientId}}" in s["prefetch"]["medications"]
    # The specification's discovery example has the same shape.
    spec = json.loads((SPEC / "discovery-response.json").read_text())
    assert set(spec["services"][0]) <= {"hook", "title", "description", "id", "prefetch",
                                         "usageRequirements"}  # fmt: skip


# -- the Synthea round trip ----------------------------------------------------------------------
def test_carisoprodol_for_the_patient_on_diazepam_gives_the_cns_depressant_card(
    server: Server, keys: Keys
) -> None:
    # Delbert (Synthea) has an active diazepam MedicationRequest; a draft carisoprodol order
    # must raise the CNS-depressant interaction (both sedate; carisoprodol's label warns).
    r = call(server, keys, ORDER, delbert_with(carisoprodol_draft()))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    ddi = [c for c in cards if c["source"].get("topic", {}).get("code") == "MRX-DDI-003"]
    assert ddi, [c["summary"] for c in cards]
    card = ddi[0]
    assert len(card["summary"]) < 140
    assert card["indicator"] == "warning"  # major, not a contraindication
    assert "diazepam" in card["summary"].lower() or "diazepam" in card["detail"].lower()
    assert all(link["url"].startswith("http") for link in card["links"])
    assert card["overrideReasons"]
    deletes = [a for s in card["suggestions"] for a in s["actions"] if a["type"] == "delete"]
    assert deletes and deletes[0]["resourceId"] == "MedicationRequest/draft-soma"
    assert card["selectionBehavior"] == "at-most-one"
    # same request, same card uuids (feedback can be matched)
    again = call(server, keys, ORDER, delbert_with(carisoprodol_draft())).json()["cards"]
    assert [c["uuid"] for c in again] == [c["uuid"] for c in cards]


def test_order_sign_uses_the_same_service(server: Server, keys: Keys) -> None:
    r = call(server, keys, ORDER, delbert_with(carisoprodol_draft(), hook="order-sign"))
    assert r.status_code == 200
    assert any(c["source"]["topic"]["code"] == "MRX-DDI-003" for c in r.json()["cards"])


def test_only_the_selected_order_is_checked_at_order_select(server: Server, keys: Keys) -> None:
    body = delbert_with(carisoprodol_draft())
    body["context"]["selections"] = ["NutritionOrder/other"]
    r = call(server, keys, ORDER, body)
    assert r.status_code == 200 and r.json()["cards"] == []


def test_an_unrelated_order_gives_no_cards(server: Server, keys: Keys) -> None:
    draft = med_request("amox", "Amoxicillin 500 MG Oral Capsule", per_day=3, dose_mg=500)
    r = call(server, keys, ORDER, delbert_with(draft))
    assert r.status_code == 200 and r.json()["cards"] == []


def test_tizanidine_with_ciprofloxacin_is_critical_with_a_replacement(
    server: Server, keys: Keys
) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}
    cipro = med_request("cipro", "ciprofloxacin 500 MG Oral Tablet", per_day=2, dose_mg=500,
                        status="active", patient="Patient/p1")  # fmt: skip
    prefetch = {"patient": patient,
                "medications": {"resourceType": "Bundle", "entry": [{"resource": cipro}]},
                "statements": None, "conditions": None, "allergies": None,
                "observations": None}  # fmt: skip
    draft = med_request("tiz", "tizanidine 4 MG Oral Tablet", per_day=3, dose_mg=4,
                        patient="Patient/p1")  # fmt: skip
    r = call(server, keys, ORDER, hook_request("order-select", "p1", [draft], prefetch=prefetch))
    cards = r.json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical, cards
    labels = [s["label"] for s in critical[0]["suggestions"]]
    assert any(lbl.startswith("Replace tizanidine with baclofen") for lbl in labels), labels
    replace = next(s for s in critical[0]["suggestions"] if s["label"].startswith("Replace"))
    kinds = [a["type"] for a in replace["actions"]]
    assert kinds == ["delete", "create"]
    created = replace["actions"][1]["resource"]
    assert created["resourceType"] == "MedicationRequest" and created["status"] == "draft"
    # only contraindications are critical
    assert all(c["indicator"] != "critical" or c["source"]["topic"]["code"].startswith("MRX-CI")
               or c["source"]["topic"]["code"].startswith("MRX-DDI") for c in cards)  # fmt: skip


def test_patient_view_reviews_current_relaxants(server: Server, keys: Keys) -> None:
    # An 80-year-old taking cyclobenzaprine: a Beers-list muscle relaxant; no kidney function.
    patient = {"resourceType": "Patient", "id": "old", "gender": "male", "birthDate": "1945-03-01"}
    flexeril = med_request("cbz", "cyclobenzaprine hydrochloride 10 MG Oral Tablet", per_day=3,
                           dose_mg=10, status="active", patient="Patient/old")  # fmt: skip
    prefetch = {"patient": patient,
                "medications": {"resourceType": "Bundle", "entry": [{"resource": flexeril}]},
                "statements": None, "conditions": None, "allergies": None,
                "observations": None}  # fmt: skip
    r = call(server, keys, REVIEW, hook_request("patient-view", "old", [], prefetch=prefetch))
    codes = {c["source"]["topic"]["code"] for c in r.json()["cards"] if "topic" in c["source"]}
    assert any(c.startswith("MRX-BEERS") for c in codes), codes


# -- prefetch and fetching -----------------------------------------------------------------------
def test_without_prefetch_the_data_is_fetched_with_the_bearer_token(
    server: Server, keys: Keys
) -> None:
    resources = bundle_resources(DELBERT)
    pid = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    with fake_fhir_server(resources) as (base, seen):
        body = hook_request("order-select", pid, [carisoprodol_draft()], fhir_server=base)
        r = call(server, keys, ORDER, body)
    assert r.status_code == 200, r.text
    assert any(c["source"]["topic"]["code"] == "MRX-DDI-003" for c in r.json()["cards"])
    assert seen and all(h == "Bearer ehr-access-token-xyz" for h in seen)
    assert "ehr-access-token-xyz" not in server.output


def test_no_prefetch_and_no_fhir_server_is_412(server: Server, keys: Keys) -> None:
    body = hook_request("order-select", "p1", [carisoprodol_draft()])
    r = call(server, keys, ORDER, body)
    assert r.status_code == 412


def test_an_unreachable_fhir_server_is_412_within_the_timeout(server: Server, keys: Keys) -> None:
    from tests.api.server import free_port

    body = hook_request("order-select", "p1", [carisoprodol_draft()],
                        fhir_server=f"http://127.0.0.1:{free_port()}")  # fmt: skip
    start = time.monotonic()
    r = call(server, keys, ORDER, body)
    assert r.status_code == 412
    assert time.monotonic() - start < 10


# -- tolerance -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("hookInstance"),
        lambda b: b["context"].pop("patientId"),
        lambda b: b["context"].update(draftOrders="not a bundle"),
        lambda b: b["context"].update(selections="MedicationRequest/draft-soma"),
        lambda b: b["prefetch"].update(patient={"resourceType": "OperationOutcome"}),
        lambda b: b["prefetch"].update(medications=[1, 2, 3]),
        lambda b: b["prefetch"]["patient"].update(birthDate="not-a-date"),
        lambda b: b["context"]["draftOrders"]["entry"].append({"resource": {"id": 3}}),
    ],
)
def test_non_conformant_requests_never_get_a_500(server: Server, keys: Keys, mutate: Any) -> None:
    body = delbert_with(carisoprodol_draft())
    mutate(body)
    r = call(server, keys, ORDER, body)
    assert r.status_code in (200, 400, 412), r.text
    if r.status_code == 200:
        assert isinstance(r.json()["cards"], list)


def test_the_specification_order_select_example_is_read(server: Server, keys: Keys) -> None:
    # The spec's example holds an amoxicillin/clavulanate draft and a NutritionOrder.
    context = json.loads((SPEC / "order-select-request.json").read_text())["context"]
    body = {"hook": "order-select", "hookInstance": "spec", "context": context,
            "prefetch": {"patient": {"resourceType": "Patient", "id": "1288992"},
                         "medications": None}}  # fmt: skip
    r = call(server, keys, ORDER, body)
    assert r.status_code == 200 and r.json() == {"cards": []}


def test_a_wrong_hook_is_a_problem(server: Server, keys: Keys) -> None:
    body = delbert_with(carisoprodol_draft(), hook="patient-view")
    r = call(server, keys, ORDER, body)
    assert r.status_code == 400 and r.json()["field"] == "hook"


# -- JWT -----------------------------------------------------------------------------------------
def test_the_specification_jwt_example_verifies_as_published() -> None:
    # Known answer: CDS Hooks 2.0 "Trusting CDS Clients" example token and its published key.
    ex = json.loads((SPEC / "jwt-example.json").read_text())
    issuer = TrustedIssuer(iss=ex["payload"]["iss"], jwks_url=ex["header"]["jku"],
                           jwks={"keys": [ex["public_jwk"]]})  # fmt: skip
    settings = Settings(cds_issuers=[issuer], cds_jwt_max_lifetime_s=None)
    before_exp = CdsVerifier(settings, clock=lambda: ex["payload"]["exp"] - 60)
    client = before_exp.verify(f"Bearer {ex['token']}", [ex["payload"]["aud"]])
    assert client.iss == "https://fhir-ehr.example.com/"
    assert client.tenant == ex["payload"]["tenant"]
    with pytest.raises(CdsAuthError, match="already used"):
        before_exp.verify(f"Bearer {ex['token']}", [ex["payload"]["aud"]])
    # today the example is long expired
    with pytest.raises(CdsAuthError, match="expired"):
        CdsVerifier(settings).verify(f"Bearer {ex['token']}", [ex["payload"]["aud"]])
    # a changed payload breaks the signature
    head, body, sig = ex["token"].split(".")
    tampered = ".".join([head, body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1], sig])
    with pytest.raises(CdsAuthError):
        CdsVerifier(settings, clock=lambda: ex["payload"]["exp"] - 60).verify(
            f"Bearer {tampered}", [ex["payload"]["aud"]])  # fmt: skip
    # the 5-minute lifetime of the SMART profile would refuse it
    strict = Settings(cds_issuers=[issuer], cds_jwt_max_lifetime_s=300)
    with pytest.raises(CdsAuthError, match="lives"):
        CdsVerifier(strict, clock=lambda: ex["payload"]["exp"] - 60).verify(
            f"Bearer {ex['token']}", [ex["payload"]["aud"]])  # fmt: skip


def test_rs384_is_accepted(server: Server, keys: Keys) -> None:
    r = call(server, keys, ORDER, delbert_with(carisoprodol_draft()), iss=RSA_ISSUER, alg="RS384")
    assert r.status_code == 200


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 401
    assert r.content == b""  # a bare 401: nothing about why


def test_jwt_refusals_are_bare_401s(server: Server, keys: Keys) -> None:
    body = delbert_with(carisoprodol_draft())
    url = server.base + ORDER

    def post(token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(url, json=body, headers=headers)

    _refused(post(None))  # no token
    _refused(post(keys.token(url, exp_in=-120)))  # expired
    _refused(post(keys.token(server.base + REVIEW)))  # another service's audience
    _refused(post(keys.token(url + "/")))  # not exactly the endpoint
    _refused(post(keys.token(url, iss="https://unknown.example/")))  # unknown issuer
    _refused(post(keys.token(url, kid="other-key")))  # key not on record
    _refused(post(keys.token(url, exp_in=7200)))  # lives longer than allowed
    replay = keys.token(url, jti="once-only")
    assert post(replay).status_code == 200
    _refused(post(replay))  # replayed jti
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url, "iat": now, "exp": now + 60, "jti": "x1"}
    _refused(post(jwt.encode(claims, None, algorithm="none")))  # unsigned
    _refused(
        post(
            jwt.encode(
                claims,
                "a-shared-secret-long-enough-for-hs384-without-warnings-0123456789",
                algorithm="HS384",
            )
        )
    )
    header_only = keys.token(url).rsplit(".", 1)[0] + "."
    _refused(post(header_only))  # signature stripped
    assert keys.token(url) not in server.output


def test_an_audience_array_with_the_endpoint_is_accepted(server: Server, keys: Keys) -> None:
    url = server.base + ORDER
    token = keys.token([url])
    r = httpx.post(url, json=delbert_with(carisoprodol_draft()),
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 200


# -- feedback ------------------------------------------------------------------------------------
def test_feedback_is_stored_once(server: Server, keys: Keys) -> None:
    spec = json.loads((SPEC / "feedback-overridden-request.json").read_text())
    path = ORDER + "/feedback"
    first = call(server, keys, path, spec)
    assert first.status_code == 200 and first.json() == {"stored": 1, "already_known": 0}
    again = call(server, keys, path, spec)
    assert again.json() == {"stored": 0, "already_known": 1}
    accepted = json.loads((SPEC / "feedback-request.json").read_text())
    assert call(server, keys, path, accepted).json()["stored"] == 1
    db = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select outcome, override_code, user_comment from cds_feedback "
                            "order by id").fetchall()  # fmt: skip
    assert rows[0] == ("overridden", "d7ecf885", "A comment entered by the clinician.")
    assert rows[1][0] == "accepted"
    assert len(rows) == 2


def test_feedback_needs_a_trusted_jwt(server: Server) -> None:
    r = httpx.post(server.base + ORDER + "/feedback", json={"feedback": []})
    _refused(r)


def test_prefetch_under_the_clients_own_keys_and_wrappers_is_read_and_said(
    server: Server, keys: Keys
) -> None:
    """An EHR that prefetched for another service ('item1', 'item2', each wrapped as a batch
    entry {response, resource}, as Epic does): the data is used, and an info card says the
    medication list may be incomplete."""
    body = delbert_with(carisoprodol_draft())
    ours = body.pop("prefetch")
    body["prefetch"] = {
        f"item{i}": {"response": {"status": "200 OK"}, "resource": value}
        for i, value in enumerate((v for v in ours.values() if v is not None), start=1)
    }
    r = call(server, keys, ORDER, body)
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    codes = {c["source"].get("topic", {}).get("code") for c in cards}
    assert "MRX-DDI-003" in codes  # the diazepam MedicationRequest was read
    info = [c for c in cards if c["indicator"] == "info" and "Not checked" in c["summary"]]
    assert info and "possibly incomplete medications" in info[0]["summary"], [
        c["summary"] for c in cards
    ]
