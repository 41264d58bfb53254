"""The service on PostgreSQL (127.0.0.1:5432, when reachable): migrations at start, first-start
accounts, sign-in, diary writes and reads with access rules, and CDS feedback, in a fresh schema."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.server import Server, postgres_server
from tests.store.conftest import PG

pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL not reachable")


@pytest.fixture(scope="module")
def pg_server() -> Iterator[Server]:
    with postgres_server("svc") as srv:
        yield srv


def test_service_on_postgresql(pg_server: Server) -> None:
    assert set(pg_server.passwords) == {"admin", "demo-clinician", "demo-patient"}
    patient = pg_server.login("demo-patient")
    clinician = pg_server.login("demo-clinician")
    base = pg_server.base + "/api/v1/patients"
    pid = httpx.get(base, headers=patient).json()["patients"][0]["id"]
    entries = {"entries": [{"at": "2026-11-20T08:00:00-05:00", "kind": "spasm", "value": 2,
                            "severity": 2}]}  # fmt: skip
    assert httpx.post(f"{base}/{pid}/entries", json=entries, headers=patient).status_code == 201
    got = httpx.get(f"{base}/{pid}/entries?from=2026-11-20&to=2026-11-20", headers=clinician)
    assert got.json()["entries"][0]["at"] == "2026-11-20T08:00:00-05:00"
    other = httpx.post(base, json={"display_name": "Someone Else"}, headers=clinician).json()
    assert httpx.get(f"{base}/{other['id']}", headers=patient).status_code == 404


def test_cds_feedback_on_postgresql(pg_server: Server) -> None:
    keys = pg_server.keys
    path = "/cds-services/myorelax-order-check/feedback"
    body = {"feedback": [{"card": "c-1", "outcome": "accepted", "acceptedSuggestions": [{"id": "s"}],
                          "outcomeTimestamp": "2026-11-21T10:00:00Z"}]}  # fmt: skip
    for expected in ({"stored": 1, "already_known": 0}, {"stored": 0, "already_known": 1}):
        token = keys.token(pg_server.base + path)
        r = httpx.post(pg_server.base + path, json=body,
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert r.json() == expected
