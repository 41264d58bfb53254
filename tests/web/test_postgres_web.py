"""The web UI on PostgreSQL (127.0.0.1:5432, when reachable): sign in, a diary day saved
through the browser is stored (read back over the API) and a failed one stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.api.server import Server, postgres_server
from tests.store.conftest import PG
from tests.web.conftest import Visit

pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL not reachable")


@pytest.fixture(scope="module")
def pg_web() -> Iterator[Server]:
    with postgres_server("web") as srv:
        yield srv


def test_diary_day_through_the_browser_on_postgresql(
    browser: Browser, pg_web: Server, shots: Path
) -> None:
    context = browser.new_context()
    visit = Visit(context, pg_web.base, shots)
    visit.login(pg_web, "demo-patient")
    page = visit.page
    page.get_by_label("Spasms (Penn scale)").select_option("1")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#spasm_severity-error")).to_be_visible()
    page.get_by_label("How strong were the spasms?").select_option("1")
    page.get_by_label("Pain (0 none, 10 worst)").select_option("5")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#saved")).to_contain_text("pain 5/10; spasms 1/4 (Penn), mild.")
    # the same day's pain again: it replaces the first (one value per measure per day)
    page.get_by_label("Pain (0 none, 10 worst)").select_option("4")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#saved")).to_contain_text("pain 4/10 (replaces the value saved earlier")
    context.close()
    assert not visit.foreign
    headers = pg_web.login("demo-patient")
    pid = httpx.get(pg_web.base + "/api/v1/patients", headers=headers).json()["patients"][0]["id"]
    today = datetime.now(UTC).date().isoformat()
    got = httpx.get(f"{pg_web.base}/api/v1/patients/{pid}/entries?from={today}&to={today}",
                    headers=headers).json()["entries"]  # fmt: skip
    assert sorted((e["kind"], e["value"]) for e in got) == [("pain", 4.0), ("spasm", 1.0)]
