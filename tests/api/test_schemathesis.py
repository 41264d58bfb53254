"""Property-based tests of the whole HTTP surface from its OpenAPI document (schemathesis):
no 5xx, and every response's status, content type and body matching the document, across at
least 1,000 generated requests against a real server process.

Two runs against one server: the REST API signed in as the administrator, and the CDS Hooks
endpoints with no token. The server for this test accepts unsigned CDS requests
(`MYORELAX_CDS_ALLOW_UNSIGNED`), so the CDS handlers see the generated bodies instead of stopping
at 401 (JWT checks are tested in test_cds). Logout and ending one session by id are left out of
the REST run: they would end the session the run signs in with. The seed is fixed so a failure reproduces.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server import Keys, Server

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance," \
         "response_schema_conformance"  # fmt: skip
MIN_REQUESTS = 1000


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    srv = Server(f"sqlite:///{folder / 'fuzz.db'}", Keys(),
                 extra_env={"MYORELAX_CDS_ALLOW_UNSIGNED": "true"})  # fmt: skip
    yield srv
    srv.stop()


def run_schemathesis(server: Server, *args: str) -> tuple[int, str]:
    exe = Path(sys.executable).parent / "schemathesis"
    proc = subprocess.run(
        [str(exe), "run", server.base + "/openapi.json", "--checks", CHECKS,
         "--max-examples", "40", "--seed", "1", "--request-timeout", "60", *args],
        capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    found = re.search(r"(\d+) generated", out)
    assert found, out[-2000:]
    return int(found.group(1)), out


@pytest.mark.slow
def test_the_api_conforms_to_its_openapi_document(fuzz_server: Server) -> None:
    token = fuzz_server.login("admin")["Authorization"]
    rest, _ = run_schemathesis(
        fuzz_server, "--header", f"Authorization: {token}",
        "--exclude-path", "/api/v1/auth/logout",
        "--exclude-path", "/api/v1/auth/sessions/{session_id}", "--exclude-path-regex", "^/cds-services",
    )  # fmt: skip
    cds, _ = run_schemathesis(fuzz_server, "--include-path-regex", "^/cds-services")
    print(f"schemathesis: {rest} REST + {cds} CDS generated requests")
    assert rest + cds >= MIN_REQUESTS, (rest, cds)
    assert "Traceback" not in fuzz_server.output
