"""Fetching prefetch data from the EHR's FHIR server, against a real server process that pages,
redirects and misbehaves (tests/cds_hooks/misbehaving_fhir.py).

The rules under test (security review, issue 20): the EHR's token goes only to the fhirServer's
own origin; paging and size are bounded; the timeout bounds a whole query, not each read; a
fhirServer on a private address is refused unless configured; every failure is reported by kind.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from myorelax.cds_hooks.fetching import (
    MAX_PAGES,
    FetchPolicy,
    PreconditionFailedError,
    gather,
    origin,
)
from myorelax.cds_hooks.models import HookRequest
from tests.api.fhir_fakes import MisbehavingFhir, misbehaving_fhir_server

TOKEN = "ehr-secret-token-123"
DEV = FetchPolicy(private_ok=True)


@pytest.fixture(scope="module")
def fhir() -> Iterator[MisbehavingFhir]:
    with misbehaving_fhir_server() as server:
        yield server


def request(server: str | None, prefetch: dict[str, Any] | None = None) -> HookRequest:
    body: dict[str, Any] = {"hook": "patient-view", "hookInstance": "i-1",
                            "context": {"patientId": "p1", "userId": "Practitioner/1"}}  # fmt: skip
    if server:
        body["fhirServer"] = server
        body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer",
                                     "expires_in": 300, "scope": "patient/*.read",
                                     "subject": "myorelax"}  # fmt: skip
    if prefetch is not None:
        body["prefetch"] = prefetch
    return HookRequest.model_validate(body)


def run(req: HookRequest, policy: FetchPolicy = DEV, timeout_s: float = 3.0) -> Any:
    return asyncio.run(gather(req, timeout_s=timeout_s, policy=policy))


def meds(data: Any) -> set[str]:
    out = set()
    for r in data.resources:
        for e in r.get("entry", []) if r.get("resourceType") == "Bundle" else [{"resource": r}]:
            if e["resource"]["resourceType"] == "MedicationRequest":
                out.add(e["resource"]["id"])
    return out


# -- paging --------------------------------------------------------------------------------------
def test_pages_on_the_same_server_are_all_read(fhir: MisbehavingFhir) -> None:
    data = run(request(fhir.base("ok")))
    assert meds(data) == {"m1", "m2"}
    assert data.missing == () and data.problems == ()


def test_a_relative_next_link_is_read_on_the_same_server(fhir: MisbehavingFhir) -> None:
    assert meds(run(request(fhir.base("relative")))) == {"m1", "m2"}


def test_a_next_link_to_another_origin_is_not_followed_and_the_token_not_sent(
    fhir: MisbehavingFhir,
) -> None:
    # The bearer token of the EHR must never reach another host (it would let that host read
    # the patient's record): the link is ignored and the list is said to be possibly incomplete.
    before = fhir.tokens_seen_elsewhere()
    data = run(request(fhir.base("offsite")))
    assert meds(data) == {"m1"}  # page 1 only; nothing from the other origin
    assert fhir.tokens_seen_elsewhere() == before
    assert dict(data.problems)["medications"].startswith("the next page was on another server")
    assert "medications" not in data.missing


def test_paging_stops_after_the_page_limit(fhir: MisbehavingFhir) -> None:
    data = run(request(fhir.base("loop")))
    assert "more than" in dict(data.problems)["medications"]
    bundles = [r for r in data.resources if r.get("resourceType") == "Bundle"
               and r["entry"] and r["entry"][0]["resource"]["id"] == "m1"]  # fmt: skip
    assert len(bundles) == MAX_PAGES


def test_a_redirect_is_not_followed(fhir: MisbehavingFhir) -> None:
    before = fhir.tokens_seen_elsewhere()
    with pytest.raises(PreconditionFailedError, match="redirected"):
        run(request(fhir.base("redirect")))
    assert fhir.tokens_seen_elsewhere() == before


# -- failures reported by kind ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("unauth", "refused by the FHIR server (HTTP 401)"),
        ("missing", "not found on the FHIR server (HTTP 404)"),
        ("badjson", "answer is not JSON"),
        ("notfhir", "answer is not a FHIR resource"),
        ("outcome", "OperationOutcome"),
        ("huge", "answer larger than"),
    ],
)
def test_each_failure_is_named_in_the_precondition_error(
    fhir: MisbehavingFhir, mode: str, kind: str
) -> None:
    with pytest.raises(PreconditionFailedError) as err:
        run(request(fhir.base(mode)))
    assert kind in str(err.value)


def test_a_failed_optional_query_is_reported_not_taken_as_no_data(fhir: MisbehavingFhir) -> None:
    # Patient and medications prefetched; conditions etc. fetched from a server that refuses.
    prefetch = {"patient": {"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"},
                "medications": None}  # fmt: skip
    data = run(request(fhir.base("unauth"), prefetch))
    assert "conditions" in data.missing
    assert dict(data.problems)["conditions"] == "refused by the FHIR server (HTTP 401)"


def test_the_timeout_bounds_the_whole_fetch_not_each_read(fhir: MisbehavingFhir) -> None:
    # The server sends a byte every half second: each read is quick, the whole never ends.
    start = time.monotonic()
    with pytest.raises(PreconditionFailedError, match="did not answer within 1 s"):
        run(request(fhir.base("drip")), timeout_s=1.0)
    assert time.monotonic() - start < 10  # not 300 s of dripping (generous: a 2-core machine)


# -- where fetching may go -------------------------------------------------------------------------
def test_a_fhir_server_on_a_private_address_is_refused_by_default(fhir: MisbehavingFhir) -> None:
    # A trusted EHR's token must not make the service probe its own network (blind SSRF).
    with pytest.raises(PreconditionFailedError, match="private or reserved address"):
        run(request(fhir.base("ok")), policy=FetchPolicy())


@pytest.mark.parametrize("server", ["ftp://example.org/fhir", "file:///etc/passwd", "fhir"])
def test_a_fhir_server_that_is_not_http_is_refused(server: str) -> None:
    with pytest.raises(PreconditionFailedError, match="not an http"):
        run(request(server), policy=FetchPolicy())


def test_an_issuers_own_fhir_server_is_allowed_on_a_private_address(fhir: MisbehavingFhir) -> None:
    allowed = FetchPolicy(allowed_origins=(f"http://127.0.0.1:{fhir.home}",))
    assert meds(run(request(fhir.base("ok")), policy=allowed)) == {"m1", "m2"}


def test_origin_makes_default_ports_explicit() -> None:
    assert origin("https://EHR.example.org/fhir") == "https://ehr.example.org:443"
    assert origin("http://ehr.example.org:80/x") == "http://ehr.example.org:80"
    assert origin("https://ehr.example.org:8443/") != origin("https://ehr.example.org/")
    assert origin("javascript:alert(1)") is None


# -- unusable prefetch ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "patient",
    [
        5,
        None,
        "Patient/p1",
        {"resourceType": "Observation", "id": "o"},
        {"resourceType": "OperationOutcome"},
    ],
)
def test_an_unusable_patient_prefetch_is_fetched(fhir: MisbehavingFhir, patient: Any) -> None:
    data = run(request(fhir.base("ok"), {"patient": patient, "medications": None}))
    assert any(r.get("resourceType") == "Patient" for r in data.resources)


@pytest.mark.parametrize("patient", [5, None, {"resourceType": "Observation", "id": "o"}])
def test_an_unusable_patient_prefetch_without_a_server_is_412(patient: Any) -> None:
    with pytest.raises(PreconditionFailedError, match="patient"):
        run(request(None, {"patient": patient, "medications": None}))


def test_null_medications_means_none() -> None:
    data = run(request(None, {"patient": {"resourceType": "Patient", "id": "p1"},
                              "medications": None}))  # fmt: skip
    assert "medications" not in data.missing


def test_statements_sent_under_the_medications_key_are_not_said_to_be_absent() -> None:
    """An EHR that answers one query with requests and statements together: the statements are
    read, and said to be possibly incomplete, not 'none found' (which they were, wrongly)."""
    statement = {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
                 "subject": {"reference": "Patient/p1"},
                 "medicationCodeableConcept": {"text": "fluvoxamine 100 mg"}}  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": statement}]}
    data = run(request(None, {"patient": {"resourceType": "Patient", "id": "p1"},
                              "medications": bundle}))  # fmt: skip
    assert "statements" not in data.missing and "statements" in data.borrowed
    # Without any statement anywhere, they are still said to be missing.
    data = run(request(None, {"patient": {"resourceType": "Patient", "id": "p1"},
                              "medications": None}))  # fmt: skip
    assert "statements" in data.missing


def test_the_token_never_reaches_the_log(
    fhir: MisbehavingFhir, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    run(request(fhir.base("offsite")))
    with pytest.raises(PreconditionFailedError):
        run(request(fhir.base("unauth")))
    assert TOKEN not in caplog.text
    assert json.dumps(caplog.text)  # logged at all (the warnings name the kind)
    assert "another origin" in caplog.text
