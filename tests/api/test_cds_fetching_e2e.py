"""CDS fetching through a real `myorelax serve` process: the token stays on the EHR's FHIR
server when paging points elsewhere, the clinician is told the list may be incomplete, and a
request held by a slow FHIR server does not hold up the health check of the same process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.fhir_fakes import MisbehavingFhir, hook_request, med_request, misbehaving_fhir_server
from tests.api.server import Keys, Server

ORDER = "/cds-services/myorelax-order-check"
TOKEN = "ehr-access-token-xyz"


@pytest.fixture(scope="module")
def fhir() -> Iterator[MisbehavingFhir]:
    with misbehaving_fhir_server() as server:
        yield server


def post(server: Server, keys: Keys, body: dict[str, Any], timeout: float = 30) -> httpx.Response:
    token = keys.token(server.base + ORDER)
    return httpx.post(server.base + ORDER, json=body, timeout=timeout,
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def tizanidine_order(fhir_server: str) -> dict[str, Any]:
    draft = med_request(
        "d1", "tizanidine 4 MG Oral Tablet", per_day=3, dose_mg=4, patient="Patient/p1"
    )
    return hook_request("order-select", "p1", [draft], fhir_server=fhir_server, access_token=TOKEN)


def test_a_next_link_to_another_host_gets_no_token_and_the_card_says_so(
    server: Server, keys: Keys, fhir: MisbehavingFhir
) -> None:
    before = fhir.tokens_seen_elsewhere()
    r = post(server, keys, tizanidine_order(fhir.base("offsite")))
    assert r.status_code == 200, r.text
    assert fhir.tokens_seen_elsewhere() == before
    summaries = [c["summary"] for c in r.json()["cards"]]
    assert any("possibly incomplete medications" in s for s in summaries), summaries
    detail = next(c["detail"] for c in r.json()["cards"] if "possibly incomplete" in c["summary"])
    assert "another server" in detail


def test_a_refusing_fhir_server_is_named_in_the_412(
    server: Server, keys: Keys, fhir: MisbehavingFhir
) -> None:
    r = post(server, keys, tizanidine_order(fhir.base("unauth")))
    assert r.status_code == 412
    assert "HTTP 401" in r.json()["detail"]
    assert TOKEN not in server.output


def test_health_answers_while_a_request_waits_on_a_slow_fhir_server(
    server: Server, keys: Keys, fhir: MisbehavingFhir
) -> None:
    # The FHIR server drips a byte every half second; the fetch holds this request for the
    # whole timeout (3 s). Meanwhile the same process must answer the health check.
    answer: dict[str, httpx.Response] = {}
    slow = threading.Thread(
        target=lambda: answer.update(r=post(server, keys, tizanidine_order(fhir.base("drip"))))
    )
    slow.start()
    try:
        time.sleep(0.5)  # the request is now waiting on the FHIR server (for 3 s)
        health = httpx.get(server.base + "/api/v1/health", timeout=5)
        assert health.status_code == 200
        assert slow.is_alive(), "the slow request finished before the health check was asked"
    finally:
        slow.join(30)
    assert answer["r"].status_code == 412
    assert "did not answer within" in answer["r"].json()["detail"]


def test_ready_says_the_database_answers(server: Server) -> None:
    r = httpx.get(server.base + "/api/v1/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_past_the_time_budget_the_answer_is_a_card_saying_so(tmp_path: Path) -> None:
    # A budget no review can meet: the EHR gets an answer (not a timeout at its end) with one
    # card saying that nothing was checked.
    keys = Keys()
    slow = Server(f"sqlite:///{tmp_path / 'budget.db'}", keys,
                  extra_env={"MYORELAX_CDS_TIME_BUDGET_S": "0.001"})  # fmt: skip
    try:
        patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"}
        draft = med_request("d1", "carisoprodol 350 MG Oral Tablet", per_day=3, dose_mg=350,
                            patient="Patient/p1")  # fmt: skip
        body = hook_request("order-select", "p1", [draft],
                            prefetch={"patient": patient, "medications": None})  # fmt: skip
        r = post(slow, keys, body)
        assert r.status_code == 200, r.text
        cards = r.json()["cards"]
        assert len(cards) == 1 and cards[0]["indicator"] == "info"
        assert "in time" in cards[0]["summary"] and "by hand" in cards[0]["detail"]
    finally:
        slow.stop()


def test_a_dstu2_medication_order_is_a_400_naming_the_version(server: Server, keys: Keys) -> None:
    order = {"resourceType": "MedicationOrder", "id": "mo1", "status": "draft",
             "medicationCodeableConcept": {"text": "baclofen 10 mg tablet"}}  # fmt: skip
    body = hook_request(
        "order-select", "p1", [], prefetch={"patient": {"resourceType": "Patient", "id": "p1"}}
    )
    body["context"]["draftOrders"]["entry"] = [{"resource": order}]
    r = post(server, keys, body)
    assert r.status_code == 400
    assert "DSTU2" in r.json()["detail"] and r.json()["field"] == "context.draftOrders"


def test_an_stu3_order_select_is_read(server: Server, keys: Keys) -> None:
    # STU3 draftOrders are MedicationRequests like R4's in every field the check reads.
    draft = med_request(
        "d1", "cyclobenzaprine 10 MG Oral Tablet", per_day=3, dose_mg=10, patient="Patient/p1"
    )
    draft["meta"] = {
        "profile": [
            "http://hl7.org/fhir/us/core/StructureDefinition/us-core-medicationrequest|1.0.1"
        ]
    }
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1945-01-01"}
    body = hook_request(
        "order-select", "p1", [draft], prefetch={"patient": patient, "medications": None}
    )
    r = post(server, keys, body)
    assert r.status_code == 200
    assert any(
        c["source"].get("topic", {}).get("code", "").startswith("MRX-BEERS")
        for c in r.json()["cards"]
    ), r.json()
