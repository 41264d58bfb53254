"""The FHIR data a CDS call needs: from `prefetch`, else from the EHR's FHIR server.

A prefetch key that is present and usable is used as sent (`null` means the EHR has no such
data). An absent key, one holding an OperationOutcome, or a required key holding something that
is not the resource asked for (`"patient": 5`, an Observation) is fetched from `fhirServer` with
the bearer token in `fhirAuthorization`. When required data can be had neither way, the call is
answered 412 Precondition Failed (CDS Hooks 2.0).

Fetching is bounded and kept on the FHIR server it was pointed at:
- `fhirServer` must be http(s) and, unless the issuer lists it among its FHIR servers (or the
  site allows private addresses), must not resolve to a loopback, private, link-local or otherwise
  reserved address: a trusted EHR's token must not turn this service into a probe of the network
  it runs in;
- a Bundle's `next` link is followed only on the `fhirServer`'s own scheme, host and port, and
  for at most `MAX_PAGES` pages and `MAX_BYTES` bytes per query; a link elsewhere is not followed
  (the token is never sent to it) and the list is reported as possibly incomplete;
- redirects are not followed; the timeout bounds the whole fetch of each query, not each read;
- every failure is reported by kind (timeout, refused, not found, ...), in the log and in the
  info card: it is never silently taken as "no data".
The access token is never logged.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from myorelax.cds_hooks.models import HookRequest
from myorelax.cds_hooks.services import PREFETCH, PREFETCH_TYPES, REQUIRED_KEYS, HookData
from myorelax.errors import DataUnavailableError

log = logging.getLogger(__name__)

MAX_PAGES = 5
MAX_BYTES = 8_000_000  # per query, all pages together
MAX_MEDICATIONS = 20  # referenced Medication resources fetched per call
_MEDICATION_REF = re.compile(r"Medication/[A-Za-z0-9\-.]{1,64}")  # a FHIR id
_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PreconditionFailedError(DataUnavailableError):
    """Required FHIR data is neither in prefetch nor obtainable from the FHIR server."""


@dataclass(frozen=True)
class FetchPolicy:
    """Where fetching may go: origins always allowed (a site's or an issuer's own FHIR servers),
    and whether other servers may be on private or loopback addresses (development only)."""

    allowed_origins: tuple[str, ...] = ()
    private_ok: bool = False


class FetchError(Exception):
    """One query could not be fetched; `kind` says why in a few words (shown to clinicians)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def origin(url: str) -> str | None:
    """`scheme://host:port` of an absolute http(s) URL (default ports made explicit), else None."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def fill_template(template: str, context: Mapping[str, Any]) -> str | None:
    """The query with its `{{context.x}}` tokens filled in; None when a token has no value."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(m.group(1))
        if not isinstance(value, str) or not value:
            missing = True
            return ""
        return value

    filled = _TOKEN.sub(sub, template)
    return None if missing else filled


def _resources(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        # Some EHRs wrap each prefetch item as a batch entry: {"response": ..., "resource": ...}
        if "resourceType" not in value and isinstance(value.get("resource"), Mapping):
            return [value["resource"]]
        return [value]
    if isinstance(value, list):
        return [r for v in value for r in _resources(v)]
    return []


def _flat(resources: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Resources with Bundles opened (their entries' resources)."""
    for r in resources:
        if r.get("resourceType") == "Bundle":
            for e in r.get("entry") or []:
                if isinstance(e, Mapping):
                    yield from _flat(_resources(e.get("resource")))
        else:
            yield r


def _is_outcome(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"


def _usable(key: str, value: Any) -> bool:
    """Whether a prefetch value can stand for its key: a Bundle or resources of the type asked
    for; `null` ("no such data") for a list, never for the patient, who must exist."""
    if value is None:
        return key != "patient"
    if _is_outcome(value):
        return False
    items = _resources(value)
    if key == "patient":
        return any(r.get("resourceType") == "Patient" for r in _flat(items))
    wanted = PREFETCH_TYPES[key]
    return bool(items) and all(r.get("resourceType") in ("Bundle", wanted) for r in items)


def _kind_of_status(status: int) -> str:
    if status in (401, 403):
        return f"refused by the FHIR server (HTTP {status})"
    if status == 404:
        return "not found on the FHIR server (HTTP 404)"
    if 300 <= status < 400:
        return f"redirected by the FHIR server (HTTP {status}; not followed)"
    return f"FHIR server error (HTTP {status})"


async def _get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                    budget: int) -> tuple[Any, int]:  # fmt: skip
    """The JSON body of one page and its size, reading at most `budget` bytes."""
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise FetchError(_kind_of_status(response.status_code))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > budget:
                raise FetchError(f"answer larger than {MAX_BYTES // 1_000_000} MB")
            chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks)), size
    except ValueError:
        raise FetchError("answer is not JSON") from None


@dataclass
class _Fetched:
    resources: list[Mapping[str, Any]]
    partial: str | None = None  # why the list may be incomplete


async def _fetch(
    client: httpx.AsyncClient, base: str, query: str, headers: dict[str, str]
) -> _Fetched:
    home = origin(base)
    url: str | None = f"{base.rstrip('/')}/{query}"
    out = _Fetched([])
    budget = MAX_BYTES
    pages = 0
    while url:
        if pages == MAX_PAGES:
            out.partial = f"more than {MAX_PAGES} pages (the rest was not read)"
            break
        body, size = await _get_json(client, url, headers, budget)
        budget -= size
        if not isinstance(body, Mapping) or "resourceType" not in body:
            raise FetchError("answer is not a FHIR resource")
        if _is_outcome(body):
            raise FetchError("the FHIR server answered with an OperationOutcome")
        out.resources.append(body)
        pages += 1
        url = None
        if body.get("resourceType") == "Bundle":
            for link in body.get("link") or []:
                if isinstance(link, Mapping) and link.get("relation") == "next" and link.get("url"):
                    candidate = urljoin(f"{base.rstrip('/')}/", str(link["url"]))
                    if origin(candidate) != home:
                        # Never send the EHR's token anywhere but its own FHIR server.
                        log.warning("FHIR paging link to another origin not followed: %s",
                                    origin(candidate) or "(not http)")  # fmt: skip
                        out.partial = "the next page was on another server and was not read"
                    else:
                        url = candidate
                    break
    return out


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def server_refusal(server: str, policy: FetchPolicy) -> str | None:
    """Why `server` may not be fetched from (None when it may)."""
    home = origin(server)
    if home is None:
        return "fhirServer is not an http(s) URL"
    if home in {origin(o) for o in policy.allowed_origins}:
        return None
    if policy.private_ok:
        return None
    host = urlsplit(server).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return "fhirServer's host name does not resolve"
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_is_public(a) for a in addresses):
        return "fhirServer is on a private or reserved address that is not configured as allowed"
    return None


async def gather(
    request: HookRequest, *, timeout_s: float, policy: FetchPolicy | None = None
) -> HookData:
    """Every resource the templates ask for; raises PreconditionFailedError when required data is
    missing and cannot be fetched."""
    policy = policy or FetchPolicy()
    prefetch = request.prefetch if isinstance(request.prefetch, Mapping) else {}
    resources: list[Mapping[str, Any]] = []
    to_fetch: dict[str, str | None] = {}
    foreign = _foreign_resources(prefetch)
    borrowed: list[str] = []
    problems: dict[str, str] = {}
    for key, template in PREFETCH.items():
        if key in prefetch and _usable(key, prefetch[key]):
            value = prefetch[key]
            if value is not None:
                resources.extend(_resources(value))
            continue
        if key in prefetch and prefetch[key] is not None and not _is_outcome(prefetch[key]):
            log.warning("prefetch %s is not a usable %s", key, PREFETCH_TYPES[key])
        to_fetch[key] = fill_template(template, request.context)
    missing: list[str] = []
    server = request.fhirServer
    checked: dict[str, str | None] = {}

    async def refusal_of_server() -> str | None:
        """Why the fhirServer may not be used: its address is checked once per call, and only
        when something has to be fetched (a fully prefetched call costs no DNS lookup)."""
        if not server:
            return "no fhirServer given"
        if "why" not in checked:
            checked["why"] = await server_refusal(server, policy)
        return checked["why"]

    if to_fetch:
        refusal = await refusal_of_server()
        if refusal is not None:
            if server:
                log.warning("not fetching from the FHIR server: %s", refusal)
            missing = list(to_fetch)
            problems.update({k: refusal for k in to_fetch if server})
        else:
            assert server is not None
            missing = [k for k, q in to_fetch.items() if q is None]
            keys = [k for k, q in to_fetch.items() if q is not None]
            results = await _fetch_all(server, request, {k: str(to_fetch[k]) for k in keys},
                                       timeout_s)  # fmt: skip
            for key, result in zip(keys, results, strict=True):
                if isinstance(result, _Fetched):
                    resources.extend(result.resources)
                    if result.partial:
                        problems[key] = result.partial
                    continue
                kind = _kind_of(result, timeout_s)
                log.warning("could not fetch %s from the FHIR server: %s", key, kind)
                problems[key] = kind
                missing.append(key)
    for key in list(missing):
        kind = PREFETCH_TYPES[key]
        found = foreign.get(kind, [])
        if found or any(r.get("resourceType") == kind for r in _flat(resources)):
            # A client that prefetched under its own keys ('item1', 'item2', ...), for another
            # service, or sent this type under another of ours (statements in 'medications'):
            # the data is used and said to be possibly partial (its query may have been
            # narrower than ours), never said to be absent.
            resources.extend(found)
            borrowed.append(key)
            missing.remove(key)
    wanted = _unresolved_medications(request, resources)
    if wanted and server and await refusal_of_server() is None:
        # An order that names its drug only by `medicationReference` to a Medication the EHR
        # did not send: read that Medication from the FHIR server.
        queries = {ref: ref for ref in wanted[:MAX_MEDICATIONS]}
        results = await _fetch_all(server, request, queries, timeout_s)
        for result in results:
            if isinstance(result, _Fetched):
                resources.extend(
                    r for r in result.resources if r.get("resourceType") == "Medication"
                )
            else:
                log.warning("could not fetch a referenced Medication: %s",
                            _kind_of(result, timeout_s))  # fmt: skip
    lacking = [k for k in REQUIRED_KEYS if k in missing]
    if lacking:
        why = "; ".join(f"{k}: {problems[k]}" for k in lacking if k in problems)
        raise PreconditionFailedError(
            f"cannot obtain {', '.join(lacking)}: not usable in prefetch and "
            + (f"not fetched ({why})" if why else "no fhirServer given")
        )
    return HookData(
        hook=request.hook,
        instance=request.hookInstance or "",
        context=request.context,
        resources=resources,
        missing=tuple(sorted(missing)),
        borrowed=tuple(borrowed),
        problems=tuple(sorted(problems.items())),
    )


async def _fetch_all(
    server: str, request: HookRequest, queries: Mapping[str, str], timeout_s: float
) -> Sequence[_Fetched | BaseException]:
    headers = {"Accept": "application/fhir+json"}
    auth = request.fhirAuthorization
    if auth is not None:
        headers["Authorization"] = f"Bearer {auth.access_token}"
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
        # Each query has the whole timeout for all its pages (a server that drips one byte a
        # second is cut off at the timeout, not after it per read).
        return await asyncio.gather(
            *(asyncio.wait_for(_fetch(client, server, q, headers), timeout_s)
              for q in queries.values()),
            return_exceptions=True,
        )  # fmt: skip


def _unresolved_medications(request: HookRequest, resources: list[Mapping[str, Any]]) -> list[str]:
    """`Medication/<id>` references of the draft orders and medication lists that neither the
    request nor the fetched data hold (contained ones are inside their order)."""
    drafts = request.context.get("draftOrders")
    orders = [*_flat(_resources(drafts)), *_flat(resources)]
    have = {f"Medication/{r.get('id')}" for r in orders if r.get("resourceType") == "Medication"}
    out: list[str] = []
    for r in orders:
        if r.get("resourceType") not in ("MedicationRequest", "MedicationStatement"):
            continue
        ref = r.get("medicationReference")
        target = ref.get("reference") if isinstance(ref, Mapping) else None
        if not isinstance(target, str) or not _MEDICATION_REF.fullmatch(target):
            continue
        if target not in have and target not in out:
            out.append(target)
    return out


# Resource types that exist only in FHIR DSTU2: an order written as one cannot be read as R4.
_DSTU2_ONLY = {"MedicationOrder": "MedicationRequest"}


def unreadable_version(request: HookRequest) -> str | None:
    """Why the request's draft orders are in a FHIR version this service does not read (DSTU2),
    or None. STU3, R4 and R5 medication orders are read."""
    drafts = request.context.get("draftOrders")
    for r in _flat(_resources(drafts)):
        rtype = r.get("resourceType")
        if rtype in _DSTU2_ONLY:
            return (f"draftOrders holds a {rtype}, a FHIR DSTU2 resource; this service reads "
                    f"{_DSTU2_ONLY[rtype]} (FHIR STU3, R4 or R5)")  # fmt: skip
    return None


def _kind_of(exc: BaseException, timeout_s: float) -> str:
    """Why a fetch failed, in a few words for the clinician and the log."""
    if isinstance(exc, FetchError):
        return exc.kind
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"the FHIR server did not answer within {timeout_s:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "the FHIR server could not be reached"
    if isinstance(exc, httpx.HTTPError):
        return f"the FHIR server connection failed ({exc.__class__.__name__})"
    return f"the fetch failed ({exc.__class__.__name__})"


def _foreign_resources(prefetch: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Resources the client prefetched under keys that are not this service's, by type."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for key, value in prefetch.items():
        if key in PREFETCH or value is None or _is_outcome(value):
            continue
        for r in _flat(_resources(value)):
            out.setdefault(str(r.get("resourceType")), []).append(r)
    return out
