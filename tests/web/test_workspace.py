"""The clinician workspace in a real browser: sign in, suggestions while typing, a risky
regimen gives the critical card first, the curve is drawn, a taper is made and its calendar
downloaded, a FHIR record is read, and bad input on each form keeps what was typed."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.api.server import Server
from tests.web.conftest import Visit

FHIR = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "Delbert-synthea-r4.json"


def test_sign_in_errors_keep_the_user_name_then_sign_in(visit: Visit, web_server: Server) -> None:
    page = visit.page
    page.goto(visit.base + "/workspace")
    expect(page).to_have_url(re.compile(r"/login\?next=/workspace$"))
    visit.shot("login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#username-error")).to_have_text("Enter your user name.")
    page.get_by_label("User name").fill("demo-clinician")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("wrong")
    expect(page.get_by_label("User name")).to_have_value("demo-clinician")
    visit.shot("login-error")
    page.get_by_label("Password").fill(web_server.passwords["demo-clinician"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(visit.base + "/workspace")
    expect(page.get_by_role("heading", name="Workspace", exact=True)).to_be_visible()


def test_suggestions_while_typing_an_order(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    box = page.locator("#orders-0")
    box.press_sequentially("zana", delay=30)
    expect(page.locator("#sig-suggestions option[value='Zanaflex']")).to_have_count(1)
    box.fill("")
    box.press_sequentially("tizanidine 4 mg t", delay=20)
    expect(page.locator("#sig-suggestions option[value='tizanidine 4 mg tid']")).to_have_count(1)
    expect(page.locator("#sig-suggestions option")).to_have_count(1)


def test_risky_regimen_shows_the_critical_card_first(visit: Visit, web_server: Server) -> None:
    """Tizanidine with ciprofloxacin is contraindicated (Zanaflex label §4, §7: a strong CYP1A2
    inhibitor raises tizanidine AUC about tenfold); it must be the first card, marked critical."""
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Age").fill("58")
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    cards = page.locator("#alerts .card")
    expect(cards.first).to_have_attribute("data-severity", "contraindicated")
    expect(cards.first.locator(".badge")).to_have_text("Contraindicated")
    expect(cards.first).to_contain_text("ciprofloxacin")
    severities = cards.evaluate_all("els => els.map(e => e.dataset.severity)")
    order = ["contraindicated", "major", "moderate", "minor"]
    assert severities == sorted(severities, key=order.index), severities
    link = cards.first.locator(".evidence a").first
    expect(link).to_have_attribute("href", re.compile(r"^https://(dailymed|pubmed|doi)"))
    # what was typed is still there
    expect(page.locator("#orders-0")).to_have_value("tizanidine 4 mg tid")
    expect(page.locator("#medications-0")).to_have_value("ciprofloxacin 500 mg bid")
    visit.shot("workspace-check")


def test_what_was_not_checked_is_shown_above_the_alerts(visit: Visit, web_server: Server) -> None:
    """The issue's case: an unknown co-medication, an ordinary condition, no age or kidney
    function. Nothing disappears: a Not checked panel names each, above the alerts, and the
    condition 'low back pain' is read, not refused."""
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Conditions").fill("low back pain")
    page.locator("#medications-0").fill("fooxetine 20 mg daily")
    page.locator("#orders-0").fill("metaxalone 800 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    panel = page.locator("#not-checked")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("fooxetine")
    for reason in ("unknown_drug", "missing_age", "missing_kidney_function", "missing_allergies"):
        expect(panel.locator(f"li[data-reason='{reason}']")).to_have_count(1)
    # above the alerts in the page
    order = page.evaluate(
        "() => [...document.querySelectorAll('#not-checked, #alerts')].map(e => e.id)"
    )
    assert order[0] == "not-checked", order
    expect(page.locator("#error-summary")).to_have_count(0)
    visit.shot("workspace-not-checked")


def test_bad_patient_input_is_named_and_nothing_typed_is_lost(
    visit: Visit, web_server: Server
) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Age").fill("abc")
    page.get_by_label("Weight").fill("70")
    page.get_by_label("Conditions").fill("myasthenia gravis")
    page.locator("#orders-0").fill("carisoprodol 350 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#age_years-error")).to_contain_text("number")
    expect(page.get_by_label("Age")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Age")).to_have_value("abc")
    expect(page.get_by_label("Weight")).to_have_value("70")
    expect(page.get_by_label("Conditions")).to_have_value("myasthenia gravis")
    expect(page.locator("#orders-0")).to_have_value("carisoprodol 350 mg tid")
    visit.shot("workspace-bad-patient")
    # an order the SIG grammar cannot read is named by its row
    page.get_by_label("Age").fill("40")
    page.locator("#orders-0").fill("carisoprodol lots")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#orders-0-error")).to_be_visible()
    expect(page.locator("#orders-0")).to_have_value("carisoprodol lots")


def test_the_curve_is_drawn_with_typical_adult_and_population_band(
    visit: Visit, web_server: Server
) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.get_by_label("Days to simulate").fill("2")
    page.get_by_label("Simulated patients").fill("50")
    page.get_by_role("button", name="Draw the curve").click()
    chart = page.locator("#chart-tizanidine")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart).to_have_attribute("data-series", "4")
    expect(chart.locator("canvas")).to_have_count(1)
    legend = chart.locator(".u-legend")
    for label in ("This patient", "Typical adult", "Population 95th percentile"):
        expect(legend).to_contain_text(label)
    # ciprofloxacin raises tizanidine exposure: the AUC ratio shown is well above 1
    ratio = float(page.locator("#exposure tbody tr td").nth(4).inner_text())
    assert ratio > 3, ratio
    chart.scroll_into_view_if_needed()
    chart.hover()
    visit.shot("workspace-curve")
    # bad input: days out of range, kept on the form
    page.get_by_label("Days to simulate").fill("400")
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator("#sim_days-error")).to_contain_text("between")
    expect(page.get_by_label("Days to simulate")).to_have_value("400")


def test_taper_plan_printable_and_calendar_download(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Taper (stop)").check()
    page.get_by_label("Current dose (taper) or drug (titration)").fill("baclofen 20 mg tid")
    page.get_by_label("Weeks on the drug so far (taper)").fill("26")
    page.get_by_label("First day").fill("2027-01-04")
    page.get_by_role("button", name="Make the plan").click()
    plan = page.locator("#plan")
    expect(plan.get_by_role("heading", level=2)).to_contain_text("Baclofen")
    expect(plan.locator("tbody tr").first).to_contain_text("Mon 04 Jan")
    expect(plan).to_contain_text("No more Baclofen")
    expect(page.get_by_role("button", name="Print the plan")).to_be_visible()
    visit.shot("workspace-taper")
    page.emulate_media(media="print")
    page.evaluate("document.body.classList.add('print-plan')")
    visit.shot("workspace-taper-print")
    assert not page.locator("#workspace-form").is_visible()
    page.emulate_media(media="screen")
    page.evaluate("document.body.classList.remove('print-plan')")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download calendar (.ics)").click()
    download = info.value
    assert download.suggested_filename == "taper-baclofen-2027-01-04.ics"
    body = Path(download.path()).read_text()
    assert body.startswith("BEGIN:VCALENDAR")
    assert body.count("BEGIN:VEVENT") > 10
    assert "baclofen" in body.lower()
    # the form is still as typed after a download
    expect(page.get_by_label("Current dose (taper) or drug (titration)")).to_have_value(
        "baclofen 20 mg tid"
    )


def test_plan_bad_input_is_named(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Titration (start)").check()
    page.get_by_label("Current dose (taper) or drug (titration)").fill("oxycodone")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator("#plan_what-error")).to_contain_text("no monograph")
    expect(page.get_by_label("Titration (start)")).to_be_checked()
    expect(page.get_by_label("Current dose (taper) or drug (titration)")).to_have_value("oxycodone")
    page.get_by_label("Taper (stop)").check()
    page.get_by_label("Current dose (taper) or drug (titration)").fill("baclofen 20 mg tid")
    page.get_by_label("Taper length (days)").fill("0")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator("#plan_days-error")).to_contain_text("between 1 and 365")
    expect(page.get_by_label("Taper length (days)")).to_have_value("0")
    visit.shot("workspace-plan-error")


def test_fhir_record_fills_the_form(visit: Visit, web_server: Server) -> None:
    """Delbert's Synthea record has active diazepam; it becomes a current medication."""
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("FHIR R4 Bundle (JSON)").set_input_files(str(FHIR))
    page.get_by_role("button", name="Read record").click()
    expect(page.locator(".notes")).to_contain_text("Read Delbert-synthea-r4.json")
    # issue 21: what was read is the result in view
    expect(page.locator("#notes-title")).to_be_focused()
    top = page.evaluate("document.querySelector('#notes-title').getBoundingClientRect().top")
    assert -2 <= top < 450, top
    meds = page.locator("input[name=medications]").evaluate_all("els => els.map(e => e.value)")
    assert any("diazepam" in m.lower() for m in meds), meds
    expect(page.get_by_label("Age")).not_to_have_value("")
    page.locator("#orders-0").fill("carisoprodol 350 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    visit.shot("workspace-fhir")
    expect(page.locator("#alerts .card[data-code='MRX-DDI-003']")).to_have_count(1)


def test_fhir_upload_that_is_not_json_is_named(
    visit: Visit, web_server: Server, tmp_path: Path
) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    bad = tmp_path / "notes.json"
    bad.write_text("this is not JSON")
    page.get_by_label("FHIR R4 Bundle (JSON)").set_input_files(str(bad))
    page.get_by_role("button", name="Read record").click()
    expect(page.locator("#bundle-error")).to_contain_text("not JSON")
