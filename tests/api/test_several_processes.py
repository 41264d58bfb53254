"""Several server processes on one database, as behind a load balancer (issue 20, part 3): a CDS
token used on one process is refused by the other (security probe finding 1), sign-in failures
are counted across processes, and diary writes sent to both at once are all kept. On SQLite and,
when reachable, on PostgreSQL. `serve --workers 2` starts and shares the same state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.fhir_fakes import hook_request, med_request
from tests.api.server import Keys, Server, postgres_schema
from tests.store.conftest import PG

ORDER = "/cds-services/myorelax-order-check"
PUBLIC = "https://cds.hospital.example"  # what the EHR calls: the load balancer's address
PATIENT = {"resourceType": "Patient", "id": "1", "gender": "male", "birthDate": "1960-01-01"}


@contextmanager
def two_processes(url: str) -> Iterator[tuple[Server, Server]]:
    keys = Keys()
    env = {"MYORELAX_PUBLIC_URL": PUBLIC}
    first = Server(url, keys, extra_env=env)
    try:
        second = Server(url, keys, extra_env=env)
        second.passwords = first.passwords  # accounts were made (and printed) by the first
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("shared")
        with two_processes(f"sqlite:///{folder / 'shared.db'}") as servers:
            yield servers
    else:
        if not PG:
            pytest.skip("PostgreSQL not reachable")
        with postgres_schema("procs") as url, two_processes(url) as servers:
            yield servers


def cds_body() -> dict[str, Any]:
    draft = med_request("d1", "baclofen 10 MG Oral Tablet", per_day=3, dose_mg=10)
    return hook_request("order-select", "1", [draft],
                        prefetch={"patient": PATIENT, "medications": None})  # fmt: skip


def post_cds(server: Server, token: str) -> httpx.Response:
    return httpx.post(server.base + ORDER, json=cds_body(), timeout=30,
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def test_a_token_used_on_one_process_is_refused_by_the_other(pair: tuple[Server, Server]) -> None:
    first, second = pair
    token = first.keys.token(PUBLIC + ORDER)
    assert post_cds(first, token).status_code == 200
    assert post_cds(second, token).status_code == 401  # replayed to another process
    assert post_cds(first, token).status_code == 401
    fresh = first.keys.token(PUBLIC + ORDER)
    assert post_cds(second, fresh).status_code == 200


def test_simultaneous_replays_are_accepted_once(pair: tuple[Server, Server]) -> None:
    first, second = pair
    token = first.keys.token(PUBLIC + ORDER)
    codes: list[int] = []
    threads = [threading.Thread(target=lambda s=s: codes.append(post_cds(s, token).status_code))
               for s in (first, second, first, second)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 401, 401, 401]


def test_sign_in_failures_are_counted_across_processes(pair: tuple[Server, Server]) -> None:
    first, second = pair
    name = f"guess-{id(pair)}"
    codes = [
        httpx.post(
            s.base + "/api/v1/auth/login",
            timeout=30,
            json={"username": name, "password": "a-wrong-password"},
        ).status_code
        for s in (first, second, first, second, first, second)
    ]
    assert codes == [401] * 5 + [429]


def test_diary_writes_sent_to_both_processes_at_once_are_all_kept(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    headers = first.login("demo-patient")
    base = "/api/v1/patients"
    pid = httpx.get(first.base + base, headers=headers).json()["patients"][0]["id"]
    per_thread, threads_n = 10, 4
    failures: list[str] = []

    def write(server: Server, k: int) -> None:
        for i in range(per_thread):
            # one pain rating per day (a second one of the same day would replace the first)
            day = date(2026, 9, 1) + timedelta(days=k * per_thread + i)
            at = f"{day}T{8 + k:02d}:{i:02d}:00+00:00"
            r = httpx.post(f"{server.base}{base}/{pid}/entries", headers=headers, timeout=60,
                           json={"entries": [{"at": at, "kind": "pain", "value": i % 11}]})  # fmt: skip
            if r.status_code != 201:
                failures.append(r.text)

    threads = [threading.Thread(target=write, args=((first, second)[k % 2], k))
               for k in range(threads_n)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    got = httpx.get(f"{second.base}{base}/{pid}/entries?from=2026-09-01&to=2026-10-31",
                    headers=headers).json()["entries"]  # fmt: skip
    assert len([e for e in got if e["kind"] == "pain"]) == per_thread * threads_n


def test_serve_with_two_workers_answers_and_refuses_replays(tmp_path: Path) -> None:
    keys = Keys()
    server = Server(f"sqlite:///{tmp_path / 'workers.db'}", keys, args=("--workers", "2"))
    try:
        assert set(server.passwords) == {"admin", "demo-clinician", "demo-patient"}
        assert server.output.count("First start") == 1  # made once, before the workers
        token = keys.token(server.base + ORDER)
        codes = [post_cds(server, token).status_code for _ in range(6)]
        assert codes == [200] + [401] * 5  # whichever worker answers
        assert httpx.get(server.base + "/api/v1/health").status_code == 200
    finally:
        server.stop()
