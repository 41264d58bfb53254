"""The patient diary in a real browser, on a phone-sized screen: the quick daily form, the
chart updating with the new entries and marking the regimen change, the missed-dose and
rising-use warnings, the report download, and bad input on each diary form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.api.server import Server
from tests.web.conftest import Visit


def _today() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def demo_patient(web_server: Server) -> int:
    """The demo patient (UTC) on baclofen 10 mg tid since four days ago, nothing recorded."""
    headers = web_server.login("demo-clinician")
    r = httpx.get(web_server.base + "/api/v1/patients", headers=headers)
    pid = next(p["id"] for p in r.json()["patients"] if p["display_name"] == "Demo Patient")
    start = (_today() - timedelta(days=4)).date().isoformat()
    r = httpx.post(f"{web_server.base}/api/v1/patients/{pid}/regimens", headers=headers,
                   json={"sig": "baclofen 10 mg tid", "start": start})  # fmt: skip
    assert r.status_code == 201, r.text
    return int(pid)


def _points(visit: Visit) -> int:
    chart = visit.page.locator("#diary-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    return int(chart.get_attribute("data-points") or "-1")


def test_a_day_entered_on_a_phone_updates_the_chart(
    phone: Visit, web_server: Server, demo_patient: int
) -> None:
    phone.login(web_server, "demo-patient")
    page = phone.page
    expect(page).to_have_url(f"{phone.base}/patients/{demo_patient}/diary")
    before = _points(phone)
    assert page.locator("#diary-chart").get_attribute("data-marks") == "1"  # the regimen start
    phone.shot("diary-phone-empty")
    rows = page.locator(".dose-row input[type=checkbox]")
    expect(rows).to_have_count(3)  # baclofen tid
    for i in range(3):
        rows.nth(i).check()
    page.get_by_label("Pain (0 none, 10 worst)").select_option("6")
    page.get_by_label("Spasms (Penn scale)").select_option("2")
    page.get_by_label("How strong were the spasms?").select_option("2")
    page.get_by_label("Stress (0 none, 10 worst)").select_option("4")
    page.get_by_label("Sleep last night (hours)").fill("6.5")
    page.get_by_label("Drowsiness").select_option("1")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#saved")).to_have_text("Saved 8 entries.")
    after = _points(phone)
    assert after == before + 4, (before, after)  # pain, stress, spasm and sleep today
    expect(page.locator("#adherence")).to_contain_text("baclofen")
    # four days of baclofen with no dose recorded: the missed-dose warning
    expect(page.locator(".card[data-code='DIARY-MISSED-RUN']")).to_have_count(1)
    phone.shot("diary-phone-saved")


def test_diary_bad_input_is_named_and_kept(
    phone: Visit, web_server: Server, demo_patient: int
) -> None:
    phone.login(web_server, "demo-patient")
    page = phone.page
    page.locator(".dose-row input[type=checkbox]").first.check()
    page.get_by_label("Pain (0 none, 10 worst)").select_option("7")
    page.get_by_label("Spasms (Penn scale)").select_option("3")
    page.get_by_label("Note").fill("stairs were hard")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#spasm_severity-error")).to_contain_text("how severe")
    expect(page.get_by_label("Pain (0 none, 10 worst)")).to_have_value("7")
    expect(page.get_by_label("Note")).to_have_value("stairs were hard")
    expect(page.locator(".dose-row input[type=checkbox]").first).to_be_checked()
    phone.shot("diary-phone-error")
    page.get_by_label("How strong were the spasms?").select_option("3")
    page.get_by_label("Sleep last night (hours)").fill("lots")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#sleep_hours-error")).to_contain_text("not a number")
    # nothing was stored by the failed attempts
    expect(page.locator("#recent")).not_to_contain_text("stairs were hard")


def test_the_report_downloads(visit: Visit, web_server: Server, demo_patient: int) -> None:
    visit.login(web_server, "demo-patient")
    page = visit.page
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").click()
    body = Path(info.value.path()).read_bytes()
    assert body.startswith(b"%PDF")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    assert Path(info.value.path()).read_text().startswith("id,at,kind")


def test_clinician_adds_a_patient_and_a_regimen(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Name").fill("Ada Example")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Add patient").click()
    expect(page.locator("#timezone-error")).to_contain_text("IANA")
    expect(page.get_by_label("Name")).to_have_value("Ada Example")
    visit.shot("patients-error")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Diary: Ada Example")
    page.get_by_label("Regimen", exact=True).fill("tizanidine four mg")
    page.get_by_role("button", name="Save the regimen").click()
    expect(page.locator("#regimen_sig-error")).to_be_visible()
    expect(page.get_by_label("Regimen", exact=True)).to_have_value("tizanidine four mg")
    page.get_by_label("Regimen", exact=True).fill("tizanidine 2 mg tid")
    page.get_by_role("button", name="Save the regimen").click()
    expect(page.locator(".lead")).to_contain_text("tizanidine 2 mg tid")
    expect(page.locator("#diary-chart")).to_have_attribute("data-marks", "1")
    expect(page.locator(".dose-row")).to_have_count(3)
    visit.shot("diary-clinician")


def test_rising_use_is_warned(visit: Visit, web_server: Server) -> None:
    """Four weeks of baclofen with one more extra 10 mg dose a day each week: weekly totals
    rise linearly, so the rising-use warning (DIARY-RISING-USE) shows."""
    headers = web_server.login("demo-clinician")
    base = web_server.base
    r = httpx.post(base + "/api/v1/patients", headers=headers,
                   json={"display_name": "Rising Use", "timezone": "UTC"})  # fmt: skip
    pid = r.json()["id"]
    today = _today().date()
    first = today - timedelta(days=27)
    httpx.post(f"{base}/api/v1/patients/{pid}/regimens", headers=headers,
               json={"sig": "baclofen 10 mg tid", "start": (first - timedelta(days=7)).isoformat()})  # fmt: skip
    entries = []
    for d in range(28):
        day = first + timedelta(days=d)
        for hour in (8, 14, 20):
            entries.append({"at": f"{day}T{hour:02d}:00:00+00:00", "kind": "dose",
                            "drug": "baclofen", "dose_mg": 10, "dose_status": "planned"})  # fmt: skip
        for extra in range(d // 7):
            entries.append({"at": f"{day}T{16 + extra:02d}:30:00+00:00", "kind": "dose",
                            "drug": "baclofen", "dose_mg": 10, "dose_status": "extra"})  # fmt: skip
        entries.append({"at": f"{day}T21:00:00+00:00", "kind": "pain", "value": 3 + d % 4})
    r = httpx.post(f"{base}/api/v1/patients/{pid}/entries", headers=headers,
                   json={"entries": entries})  # fmt: skip
    assert r.status_code == 201, r.text
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.goto(f"{base}/patients/{pid}/diary")
    card = page.locator(".card[data-code='DIARY-RISING-USE']")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(re.compile(r"baclofen use rising"))
    assert _points(visit) == 28
    visit.shot("diary-rising-use")
