"""The patient diary in a real browser, on a phone (390x844) and a desktop (1440x900): the quick
daily form (a past day's planned doses, today's later doses not tickable, the symptom time the
patient chose), one value per measure per day, the saved message in words, correcting and
deleting an entry, doses above the labelled maximum, no future times, the charts per scale and
the adherence table on a phone, the missed-dose and rising-use warnings, the report download,
reminders (notifications and the calendar feed), the installable diary saving offline once, and
axe-core on every diary page."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.server import Server
from tests.web.axe import assert_accessible
from tests.web.conftest import Visit

SLOTS = ("08:00", "14:00", "20:00")  # baclofen tid


def _now() -> datetime:
    return datetime.now(UTC)


def _yesterday() -> str:
    return (_now() - timedelta(days=1)).date().isoformat()


@pytest.fixture
def desktop(browser: Browser, web_server: Server, shots: Path) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    v = Visit(context, web_server.base, shots)
    yield v
    context.close()
    assert not v.foreign, f"requests outside the server: {v.foreign}"


@pytest.fixture(scope="module")
def demo_patient(web_server: Server) -> int:
    """The demo patient (UTC) on baclofen 10 mg tid since four days ago, nothing recorded."""
    headers = web_server.login("demo-clinician")
    r = httpx.get(web_server.base + "/api/v1/patients", headers=headers)
    pid = next(p["id"] for p in r.json()["patients"] if p["display_name"] == "Demo Patient")
    start = (_now() - timedelta(days=4)).date().isoformat()
    r = httpx.post(f"{web_server.base}/api/v1/patients/{pid}/regimens", headers=headers,
                   json={"sig": "baclofen 10 mg tid", "start": start})  # fmt: skip
    assert r.status_code == 201, r.text
    return int(pid)


def _entries(server: Server, pid: int, day: str) -> list[dict[str, object]]:
    headers = server.login("demo-clinician")
    r = httpx.get(f"{server.base}/api/v1/patients/{pid}/entries?from={day}&to={day}",
                  headers=headers)  # fmt: skip
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


def _points(visit: Visit) -> int:
    charts = visit.page.locator("#diary-chart")
    expect(charts).to_have_attribute("data-drawn", "true")
    return int(charts.get_attribute("data-points") or "-1")


def _axe(page: Page, where: str) -> None:
    assert_accessible(page, where)


def _due_today() -> int:
    """How many of today's planned doses are still to come (the page cannot tick them)."""
    now = _now()
    return sum(
        1
        for s in SLOTS
        if datetime.combine(now.date(), datetime.strptime(s, "%H:%M").time(), UTC)
        > now + timedelta(minutes=5)
    )


def _reminders_after(moment: datetime) -> int:
    """How many of today's reminders (the dose slots and the 20:30 diary one) are after `moment`."""
    return sum(
        1
        for s in (*SLOTS, "20:30")
        if datetime.combine(moment.date(), datetime.strptime(s, "%H:%M").time(), UTC) > moment
    )


def test_a_past_day_entered_on_a_phone_then_corrected_by_a_second_save(
    phone: Visit, web_server: Server, demo_patient: int
) -> None:
    phone.login(web_server, "demo-patient")
    page = phone.page
    expect(page).to_have_url(f"{phone.base}/patients/{demo_patient}/diary")
    before = _points(phone)
    assert page.locator("#diary-chart").get_attribute("data-marks") == "1"  # the regimen start
    rows = page.locator(".dose-row input[type=checkbox]")
    expect(rows).to_have_count(3)  # baclofen tid
    # today: the doses still to come cannot be ticked as taken, and say so
    expect(page.locator(".dose-row input[type=checkbox]:disabled")).to_have_count(_due_today())
    expect(page.locator(".dose-row.due .hint")).to_have_count(_due_today())
    phone.shot("diary-phone-empty")
    # the adherence table is not cut off: it sits in a scrolling region inside the screen
    region = page.locator(".table-scroll:has(#adherence)")
    box = region.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert region.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    expect(page.locator("#adherence caption")).to_have_text(
        "Doses taken against the regimen (swipe sideways for every column)"
    )
    # yesterday: every planned dose can be ticked; ratings default to 21:00
    page.get_by_label("Day", exact=True).fill(_yesterday())
    page.get_by_label("Day", exact=True).dispatch_event("change")
    expect(page.locator(".dose-row input[type=checkbox]:disabled")).to_have_count(0)
    expect(page.get_by_label("Time of these ratings")).to_have_value("21:00")
    for i in range(3):
        rows.nth(i).check()
    page.get_by_label("Time of these ratings").fill("19:30")
    page.get_by_label("Pain (0 none, 10 worst)").select_option("6")
    page.get_by_label("Spasms (Penn scale)").select_option("2")
    page.get_by_label("How strong were the spasms?").select_option("2")
    page.get_by_label("Stress (0 none, 10 worst)").select_option("4")
    page.get_by_label("Sleep last night (hours)").fill("6.5")
    page.get_by_label("Drowsiness").select_option("1")
    page.get_by_role("button", name="Save the day").click()
    saved = page.locator("#saved")
    expect(saved).to_contain_text("Saved for")
    expect(saved).to_contain_text("baclofen 10 mg (planned dose) at 08:00")
    expect(saved).to_contain_text("pain 6/10")
    expect(saved).to_contain_text("sleep 6.5 h")
    expect(saved).not_to_contain_text("entries")
    after = _points(phone)
    assert after == before + 4, (before, after)  # pain, stress, spasm and sleep
    # one small chart per scale: no two scales share an axis
    for chart in ("#diary-pain-stress", "#diary-spasm", "#diary-sleep"):
        expect(page.locator(chart)).to_have_attribute("data-drawn", "true")
    expect(page.locator("#diary-spasm-caption")).to_contain_text("Penn scale 0-4")
    expect(page.locator("#diary-sleep-caption")).to_contain_text("hours")
    expect(page.locator("#adherence")).to_contain_text("baclofen")
    phone.shot("diary-phone-saved")
    stored = _entries(web_server, demo_patient, _yesterday())
    pain = [e for e in stored if e["kind"] == "pain"]
    assert len(pain) == 1 and "T19:30:00" in str(pain[0]["at"])  # the time the patient chose
    # the same day again: pain 7 replaces 6 (never charted as 6.5), the morning dose once
    page.get_by_label("Day", exact=True).fill(_yesterday())
    page.get_by_label("Day", exact=True).dispatch_event("change")
    rows.nth(0).check()  # the morning dose again, its time corrected: the same slot
    page.get_by_label("Time of baclofen dose 1").fill("08:30")
    rows.nth(1).check()  # and the midday dose again, unchanged
    page.get_by_label("Pain (0 none, 10 worst)").select_option("7")
    page.get_by_role("button", name="Save the day").click()
    expect(saved).to_contain_text("pain 7/10 (replaces the value saved earlier that day)")
    expect(saved).to_contain_text("baclofen 10 mg (planned dose) at 08:30 (replaces")
    expect(saved).to_contain_text("baclofen 10 mg (planned dose) at 14:00 (already recorded)")
    assert _points(phone) == after
    stored = _entries(web_server, demo_patient, _yesterday())
    assert [e["value"] for e in stored if e["kind"] == "pain"] == [7]
    assert len([e for e in stored if e["kind"] == "dose"]) == 3
    report = httpx.get(f"{web_server.base}/api/v1/patients/{demo_patient}/report",
                       headers=web_server.login("demo-clinician")).json()  # fmt: skip
    assert report["series"]["pain"][-2] == 7  # yesterday
    phone.shot("diary-phone-saved-again")
    # the earlier value is kept in the audit log
    path = web_server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        details = [d for (d,) in conn.execute(
            "select detail from audit_log where action = 'update' and entity = 'diary_entry'")]  # fmt: skip
    assert any(d.startswith("was pain 6/10") and "now pain 7/10" in d for d in details), details


def test_diary_bad_input_is_named_and_kept(
    phone: Visit, web_server: Server, demo_patient: int
) -> None:
    phone.login(web_server, "demo-patient")
    page = phone.page
    page.get_by_label("Day", exact=True).fill(_yesterday())
    page.get_by_label("Day", exact=True).dispatch_event("change")
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


def test_future_times_are_refused(desktop: Visit, web_server: Server, demo_patient: int) -> None:
    headers = web_server.login("demo-patient")
    url = f"{web_server.base}/api/v1/patients/{demo_patient}/entries"
    later = (_now() + timedelta(hours=1)).isoformat()
    r = httpx.post(url, headers=headers, json={"entries": [
        {"at": later, "kind": "dose", "drug": "baclofen", "dose_mg": 10}]})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "at", r.text
    assert "in the future" in r.json()["detail"]
    skew = (_now() + timedelta(minutes=2)).isoformat()  # a clock a little ahead is accepted
    r = httpx.post(url, headers=headers, json={"entries": [{"at": skew, "kind": "stress",
                                                             "value": 3}]})  # fmt: skip
    assert r.status_code == 201, r.text
    desktop.login(web_server, "demo-patient")
    page = desktop.page
    now = _now()
    if now.hour == 23 and now.minute >= 50:
        pytest.skip("no later time left today to try")
    page.get_by_label("Time of these ratings").fill("23:59")
    page.get_by_label("Pain (0 none, 10 worst)").select_option("3")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#at_time-error")).to_contain_text("in the future")
    expect(page.locator("#error-summary")).to_contain_text("in the future")
    desktop.shot("diary-desktop-future-time")


def test_a_dose_above_the_labelled_maximum_needs_confirmation(
    desktop: Visit, web_server: Server, demo_patient: int
) -> None:
    desktop.login(web_server, "demo-patient")
    page = desktop.page
    page.get_by_label("Day", exact=True).fill(_yesterday())
    page.get_by_label("Drug").select_option("baclofen")
    page.get_by_label("Dose (mg)").fill("5000")
    page.get_by_label("Time", exact=True).fill("12:00")
    page.get_by_role("button", name="Save the day").click()
    panel = page.locator("#above-max")
    expect(panel).to_contain_text("baclofen 5000 mg in one dose is above the labelled maximum")
    expect(panel).to_contain_text("20 mg")  # the label's single maximum, from the knowledge base
    expect(page.locator("#confirm_above_max-error")).to_be_visible()
    expect(page.get_by_label("Dose (mg)")).to_have_value("5000")
    desktop.shot("diary-desktop-above-max")
    page.get_by_label("I took this dose: record it and warn my care team").check()
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#saved")).to_contain_text("baclofen 5000 mg (extra dose) at 12:00")
    card = page.locator(".card[data-code='DIARY-ABOVE-MAX']")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Major")
    desktop.shot("diary-desktop-above-max-warned")
    # the REST API refuses it too, naming the field, and takes it when confirmed
    headers = web_server.login("demo-patient")
    url = f"{web_server.base}/api/v1/patients/{demo_patient}/entries"
    dose = {"at": f"{_yesterday()}T13:00:00+00:00", "kind": "dose", "drug": "baclofen",
            "dose_mg": 5000, "dose_status": "extra"}  # fmt: skip
    r = httpx.post(url, headers=headers, json={"entries": [dose]})
    assert r.status_code == 422 and r.json()["field"] == "confirm_above_max", r.text
    assert "confirm_above_max" in r.json()["detail"]
    r = httpx.post(url, headers=headers, json={"entries": [dose], "confirm_above_max": True})
    assert r.status_code == 201, r.text
    report = httpx.get(f"{web_server.base}/api/v1/patients/{demo_patient}/report",
                       headers=web_server.login("demo-clinician")).json()  # fmt: skip
    above = [a for a in report["alerts"] if a["code"] == "DIARY-ABOVE-MAX"]
    assert len(above) == 1 and above[0]["severity"] == "major"


def _axe_in(visit: Visit, server: Server, url: str) -> None:
    """axe-core on a page as this user sees it (a context that lets the injected script run)."""
    browser = visit.context.browser
    assert browser is not None
    context = browser.new_context(bypass_csp=True, viewport={"width": 1440, "height": 900})
    context.add_cookies(visit.context.cookies())
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    _axe(page, url)
    context.close()


def test_an_entry_is_corrected_and_deleted(
    desktop: Visit, web_server: Server, demo_patient: int
) -> None:
    headers = web_server.login("demo-patient")
    base = f"{web_server.base}/api/v1/patients/{demo_patient}/entries"
    day = (_now() - timedelta(days=2)).date().isoformat()
    r = httpx.post(base, headers=headers, json={"entries": [
        {"at": f"{day}T18:00:00+00:00", "kind": "stiffness", "value": 8},
        {"at": f"{day}T18:05:00+00:00", "kind": "note", "text": "typed on the wrong day"}]})  # fmt: skip
    assert r.status_code == 201, r.text
    stiffness_id, note_id = (e["id"] for e in r.json()["entries"])
    desktop.login(web_server, "demo-patient")
    page = desktop.page
    page.get_by_role("link", name=re.compile(r"Change stiffness 8.10")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change an entry")
    desktop.shot("diary-desktop-entry")
    _axe_in(desktop, web_server, page.url)
    page.get_by_label("Stiffness (0 none, 10 worst)").select_option("5")
    page.get_by_label("Time").fill("23:59")
    page.get_by_label("Day").fill((_now() + timedelta(days=1)).date().isoformat())
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#entry_time-error")).to_contain_text("in the future")
    page.get_by_label("Day").fill(day)
    page.get_by_label("Time").fill("17:00")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#notice")).to_have_text("The entry was corrected.")
    expect(page.locator("#recent")).to_contain_text("stiffness 5/10")
    page.get_by_role("link", name=re.compile(r"Change a note \(typed on the wrong day\)")).click()
    page.get_by_role("button", name="Delete this entry").click()
    expect(page.locator("#notice")).to_have_text("The entry was deleted.")
    expect(page.locator("#recent")).not_to_contain_text("typed on the wrong day")
    desktop.shot("diary-desktop-corrected")
    r = httpx.get(f"{base}/{stiffness_id}", headers=headers)
    assert r.json()["value"] == 5 and "T17:00:00" in r.json()["at"]
    assert httpx.get(f"{base}/{note_id}", headers=headers).status_code == 404
    # the REST API: correct, refuse a future time, delete
    r = httpx.put(f"{base}/{stiffness_id}", headers=headers,
                  json={"entry": {"at": f"{day}T17:00:00+00:00", "kind": "stiffness", "value": 4}})  # fmt: skip
    assert r.status_code == 200 and r.json()["value"] == 4, r.text
    future = (_now() + timedelta(days=1)).isoformat()
    r = httpx.put(f"{base}/{stiffness_id}", headers=headers,
                  json={"entry": {"at": future, "kind": "stiffness", "value": 4}})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "at"
    assert httpx.delete(f"{base}/{stiffness_id}", headers=headers).status_code == 204
    assert httpx.delete(f"{base}/{stiffness_id}", headers=headers).status_code == 404
    path = web_server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = {(a, i): d for a, i, d in conn.execute(
            "select action, entity_id, detail from audit_log where entity = 'diary_entry'")}  # fmt: skip
    assert rows[("update", stiffness_id)].startswith("was stiffness")
    assert rows[("delete", note_id)].startswith("deleted a note (typed on the wrong day)")
    assert rows[("delete", stiffness_id)].startswith("deleted stiffness 4/10")


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


def test_rising_use_is_warned(desktop: Visit, web_server: Server) -> None:
    """Four weeks of baclofen with one more extra 10 mg dose a day each week: weekly totals
    rise, so the rising-use warning (DIARY-RISING-USE) shows. Nothing may be later than now, so
    the patient lives where it is now about noon, and today holds only the morning's doses."""
    now = _now()
    offset = 12 - now.hour  # local time about 12:00, on the same date as in UTC
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-5 is UTC+5
    local = now.astimezone(ZoneInfo(zone))
    assert local.hour == 12 and local.date() == now.date()
    headers = web_server.login("demo-clinician")
    base = web_server.base
    r = httpx.post(base + "/api/v1/patients", headers=headers,
                   json={"display_name": "Rising Use", "timezone": zone})  # fmt: skip
    pid = r.json()["id"]
    today = local.date()
    first = today - timedelta(days=27)
    httpx.post(f"{base}/api/v1/patients/{pid}/regimens", headers=headers,
               json={"sig": "baclofen 10 mg tid", "start": (first - timedelta(days=7)).isoformat()})  # fmt: skip
    tz = local.strftime("%z")
    tz = f"{tz[:3]}:{tz[3:]}"
    entries = []
    for d in range(28):
        day = first + timedelta(days=d)
        for hour in (8, 14, 20) if day < today else (8,):
            entries.append({"at": f"{day}T{hour:02d}:00:00{tz}", "kind": "dose",
                            "drug": "baclofen", "dose_mg": 10, "dose_status": "planned"})  # fmt: skip
        for extra in range(d // 7):
            entries.append({"at": f"{day}T{9 + extra:02d}:30:00{tz}", "kind": "dose",
                            "drug": "baclofen", "dose_mg": 10, "dose_status": "extra"})  # fmt: skip
        entries.append({"at": f"{day}T11:45:00{tz}", "kind": "pain", "value": 3 + d % 4})
    r = httpx.post(f"{base}/api/v1/patients/{pid}/entries", headers=headers,
                   json={"entries": entries})  # fmt: skip
    assert r.status_code == 201, r.text
    desktop.login(web_server, "demo-clinician")
    page = desktop.page
    page.goto(f"{base}/patients/{pid}/diary")
    card = page.locator(".card[data-code='DIARY-RISING-USE']")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(re.compile(r"baclofen use rising"))
    assert _points(desktop) == 28
    desktop.shot("diary-rising-use")


def test_reminders_notifications_and_calendar_feed(
    desktop: Visit, web_server: Server, demo_patient: int
) -> None:
    desktop.context.grant_permissions(["notifications"], origin=web_server.base)
    desktop.login(web_server, "demo-patient")
    page = desktop.page
    page.get_by_role("button", name="Remind me on this device").click()
    status = page.locator("#reminder-status")
    expect(status).to_contain_text("Reminders on")
    # The page schedules what is still ahead of its own clock (doses and the 20:30 diary
    # reminder); a slot may pass between this line and the page's scheduling, so the counts
    # just before and just after are both right (a fixed margin failed a minute before 14:00).
    now = _now()
    counts = {
        _reminders_after(now - timedelta(seconds=5)),
        _reminders_after(now + timedelta(minutes=2)),
    }
    expect(status).to_have_attribute(
        "data-scheduled", re.compile("^(" + "|".join(str(c) for c in sorted(counts)) + ")$")
    )
    page.get_by_role("button", name="Make a calendar address").click()
    link = page.locator("#feed-url")
    expect(link).to_be_visible()
    desktop.shot("diary-desktop-reminders")
    url = link.get_attribute("href")
    assert url is not None and "/diary/feed/" in url
    r = httpx.get(url)  # no sign-in: the secret address is the credential
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert r.text.count("BEGIN:VEVENT") == 4  # three doses and the daily entry
    assert "RRULE:FREQ=DAILY" in r.text and "BEGIN:VALARM" in r.text
    assert "baclofen 10 mg" in r.text and "Diary: how was the day?" in r.text
    page.get_by_role("button", name="Revoke the calendar address").click()
    expect(page.locator("#notice")).to_contain_text("revoked")
    assert httpx.get(url).status_code == 404
    page.get_by_role("button", name="Make a calendar address").click()
    new = page.locator("#feed-url").get_attribute("href")
    assert new and new != url and httpx.get(new).status_code == 200
    assert httpx.get(url).status_code == 404


def test_the_installable_diary_saves_offline_exactly_once(
    desktop: Visit, web_server: Server, demo_patient: int
) -> None:
    manifest = httpx.get(web_server.base + "/diary.webmanifest").json()
    assert manifest["start_url"] == "/diary" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        r = httpx.get(web_server.base + icon["src"])
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    desktop.login(web_server, "demo-patient")
    page = desktop.page
    expect(page.locator("html")).to_have_attribute("data-sw", "ready")
    page.reload()  # now controlled by the service worker
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    day = (_now() - timedelta(days=3)).date().isoformat()
    desktop.context.set_offline(True)
    page.get_by_label("Day", exact=True).fill(day)
    page.get_by_label("Drug").select_option("baclofen")
    page.get_by_label("Dose (mg)").fill("5")
    page.get_by_label("Time", exact=True).fill("10:10")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#queued")).to_contain_text("saved on this device")
    desktop.shot("diary-desktop-offline-queued")
    assert not [e for e in _entries(web_server, demo_patient, day) if e["dose_mg"] == 5]
    desktop.context.set_offline(False)
    expect(page.locator("#saved")).to_contain_text("baclofen 5 mg (extra dose) at 10:10")
    # sent again (a second flush, or a replay of the same save): still once
    page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'flush'})")
    page.wait_for_timeout(500)
    extra = [e for e in _entries(web_server, demo_patient, day) if e["dose_mg"] == 5]
    assert len(extra) == 1, extra
    desktop.shot("diary-desktop-offline-sent")
    # offline, a page that is not cached shows the offline page
    desktop.context.set_offline(True)
    page.goto(web_server.base + "/drugs")
    expect(page.get_by_role("heading", level=1)).to_have_text("No network")
    desktop.shot("diary-desktop-offline-page")
    desktop.context.set_offline(False)


def test_a_repeated_save_with_the_same_client_key_is_stored_once(
    web_server: Server, demo_patient: int
) -> None:
    headers = web_server.login("demo-patient")
    url = f"{web_server.base}/api/v1/patients/{demo_patient}/entries"
    day = (_now() - timedelta(days=3)).date().isoformat()
    body = {"client_key": "c0ffee00-1234-4abc-9def-000000000001", "entries": [
        {"at": f"{day}T11:11:00+00:00", "kind": "dose", "drug": "baclofen", "dose_mg": 2.5,
         "dose_status": "extra"}]}  # fmt: skip
    first = httpx.post(url, headers=headers, json=body)
    second = httpx.post(url, headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert second.json()["repeated"] is True
    assert first.json()["entries"][0]["id"] == second.json()["entries"][0]["id"]
    assert len([e for e in _entries(web_server, demo_patient, day) if e["dose_mg"] == 2.5]) == 1


def test_diary_pages_pass_axe_on_a_phone(
    browser: Browser, web_server: Server, demo_patient: int, shots: Path
) -> None:
    day = (_now() - timedelta(days=2)).date().isoformat()
    r = httpx.post(f"{web_server.base}/api/v1/patients/{demo_patient}/entries",
                   headers=web_server.login("demo-patient"),
                   json={"entries": [{"at": f"{day}T09:00:00+00:00", "kind": "spasm",
                                      "value": 1, "severity": 1}]})  # fmt: skip
    assert r.status_code == 201, r.text
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)  # fmt: skip
    visit = Visit(context, web_server.base, shots)
    visit.login(web_server, "demo-patient")
    page = visit.page
    page.wait_for_load_state("networkidle")
    _axe(page, "diary (phone)")
    # the page with a dose above the labelled maximum to confirm, and an error summary
    page.get_by_label("Day", exact=True).fill(_yesterday())
    page.get_by_label("Drug").select_option("baclofen")
    page.get_by_label("Dose (mg)").fill("400")
    page.get_by_role("button", name="Save the day").click()
    expect(page.locator("#above-max")).to_be_visible()
    _axe(page, "diary above the maximum (phone)")
    visit.shot("diary-phone-above-max")
    page.goto(web_server.base + "/diary")
    page.get_by_role("button", name=re.compile(r"^Make (a|a new) calendar address$")).click()
    expect(page.locator("#feed-url")).to_be_visible()
    _axe(page, "diary with a calendar address (phone)")
    page.get_by_role("link", name=re.compile(r"^Change ")).first.click()
    _axe(page, "entry (phone)")
    visit.shot("diary-phone-entry")
    page.goto(web_server.base + "/diary/offline")
    _axe(page, "offline (phone)")
    visit.shot("diary-phone-offline")
    context.close()
