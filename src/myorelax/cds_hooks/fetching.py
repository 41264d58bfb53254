"""The FHIR data a CDS call needs: from `prefetch`, else from the EHR's FHIR server.

A prefetch key that is present is used as sent (`null` means the EHR has no such data). An
absent key, or one holding an OperationOutcome, is fetched from `fhirServer` with the bearer
token in `fhirAuthorization`, within a timeout. When required data can be had neither way, the
call is answered 412 Precondition Failed (CDS Hooks 2.0). The access token is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from myorelax.cds_hooks.models import HookRequest
from myorelax.cds_hooks.services import PREFETCH, PREFETCH_TYPES, REQUIRED_KEYS, HookData

log = logging.getLogger(__name__)

MAX_PAGES = 5
_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")


class PreconditionFailedError(Exception):
    """Required FHIR data is neither in prefetch nor obtainable from the FHIR server."""


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


async def _fetch(
    client: httpx.AsyncClient, base: str, query: str, headers: dict[str, str]
) -> list[Mapping[str, Any]]:
    url: str | None = f"{base.rstrip('/')}/{query}"
    out: list[Mapping[str, Any]] = []
    pages = 0
    while url and pages < MAX_PAGES:
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, Mapping) or _is_outcome(body):
            raise ValueError("not a FHIR resource")
        out.append(body)
        pages += 1
        url = None
        if body.get("resourceType") == "Bundle":
            for link in body.get("link") or []:
                if isinstance(link, Mapping) and link.get("relation") == "next":
                    url = str(link.get("url") or "") or None
    return out


async def gather(request: HookRequest, *, timeout_s: float) -> HookData:
    """Every resource the templates ask for; raises PreconditionFailedError when required data is
    missing and cannot be fetched."""
    prefetch = request.prefetch if isinstance(request.prefetch, Mapping) else {}
    resources: list[Mapping[str, Any]] = []
    to_fetch: dict[str, str | None] = {}
    foreign = _foreign_resources(prefetch)
    borrowed: list[str] = []
    for key, template in PREFETCH.items():
        if key in prefetch and not _is_outcome(prefetch[key]):
            value = prefetch[key]
            if value is not None:
                resources.extend(_resources(value))
            continue
        to_fetch[key] = fill_template(template, request.context)
    missing: list[str] = []
    if to_fetch:
        server = request.fhirServer
        auth = request.fhirAuthorization
        if not server:
            missing = list(to_fetch)
        else:
            headers = {"Accept": "application/fhir+json"}
            if auth is not None:
                headers["Authorization"] = f"Bearer {auth.access_token}"
            async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
                keys = [k for k, q in to_fetch.items() if q is not None]
                missing = [k for k, q in to_fetch.items() if q is None]
                results = await asyncio.gather(
                    *(_fetch(client, server, str(to_fetch[k]), headers) for k in keys),
                    return_exceptions=True,
                )
            for key, result in zip(keys, results, strict=True):
                if isinstance(result, BaseException):
                    log.warning("could not fetch %s from the FHIR server: %s", key,
                                result.__class__.__name__)  # fmt: skip
                    missing.append(key)
                else:
                    resources.extend(result)
    for key in list(missing):
        found = foreign.get(PREFETCH_TYPES[key], [])
        if found:
            # A client that prefetched under its own keys ('item1', 'item2', ...), for another
            # service: its data is used and said to be possibly partial (its query may have
            # been narrower than ours).
            resources.extend(found)
            borrowed.append(key)
            missing.remove(key)
    lacking = [k for k in REQUIRED_KEYS if k in missing]
    if lacking:
        raise PreconditionFailedError(
            f"cannot obtain {', '.join(lacking)}: not in prefetch and "
            + (
                "the FHIR server did not provide it"
                if request.fhirServer
                else "no fhirServer given"
            )
        )
    return HookData(
        hook=request.hook,
        instance=request.hookInstance or "",
        context=request.context,
        resources=resources,
        missing=tuple(sorted(missing)),
        borrowed=tuple(borrowed),
    )


def _foreign_resources(prefetch: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Resources the client prefetched under keys that are not this service's, by type."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for key, value in prefetch.items():
        if key in PREFETCH or value is None or _is_outcome(value):
            continue
        for r in _flat(_resources(value)):
            out.setdefault(str(r.get("resourceType")), []).append(r)
    return out
