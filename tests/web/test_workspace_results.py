"""Issue 21, the workspace: every result in view after its action (desktop 1440x900 and a
390x844 phone), the derived patient facts (CrCl with its method, eGFR, mg/day), a page for every
drug named, the curve's legend, unit and plain sentences, upload errors that keep what was typed,
checkbox labels beside their boxes, named errors, no scientific notation, the plan's date range,
and the API docs served by the app itself. Screenshots go to test-output/web/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.server import Server
from tests.web.axe import assert_accessible
from tests.web.conftest import Visit

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def screen(request: pytest.FixtureRequest, browser: Browser, web_server: Server,
           shots: Path) -> Iterator[Visit]:  # fmt: skip
    """The workspace at a desktop and at a phone size."""
    width, height = SIZES[request.param]
    phone = request.param == "phone"
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=2 if phone else 1, is_mobile=phone,
                                  has_touch=phone)  # fmt: skip
    v = Visit(context, web_server.base, shots)
    v.size = request.param  # type: ignore[attr-defined]
    yield v
    context.close()
    assert not v.foreign, f"requests outside the server: {v.foreign}"


def _in_view(page: Page, selector: str) -> None:
    """The element's top is inside the window (it was scrolled to)."""
    top = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().top")
    height = page.evaluate("window.innerHeight")
    assert -2 <= top < height * 0.5, (selector, top, height)


def _axe(page: Page) -> None:
    assert_accessible(page, page.url)


def test_every_result_is_in_view_and_the_form_stays_editable(
    screen: Visit, web_server: Server
) -> None:
    size = screen.size  # type: ignore[attr-defined]
    screen.login(web_server, "demo-clinician")
    page = screen.page
    page.get_by_label("Age").fill("58")
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#check-title")).to_be_focused()
    _in_view(page, "#check-title")
    page.screenshot(path=str(screen.shots / f"ws-check-in-view-{size}.png"))
    # still editable: change the order and check again
    page.locator("#orders-0").fill("tizanidine 2 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#orders-read")).to_contain_text("tizanidine 2 mg tid")
    _in_view(page, "#check-title")
    page.get_by_label("Days to simulate").fill("2")
    page.get_by_label("Simulated patients").fill("0")
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator("#sim-title")).to_be_focused()
    expect(page.locator("#chart-tizanidine")).to_have_attribute("data-drawn", "true")
    _in_view(page, "#sim-title")
    page.screenshot(path=str(screen.shots / f"ws-curve-in-view-{size}.png"))
    page.get_by_label("Current dose (taper) or drug (titration)").fill("tizanidine 4 mg tid")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator("#plan-title")).to_be_focused()
    _in_view(page, "#plan-title")
    expect(page.locator("#plan .rationale")).not_to_be_empty()
    page.screenshot(path=str(screen.shots / f"ws-plan-in-view-{size}.png"))
    expect(page.locator("#orders-0")).to_be_editable()
    expect(page.locator("#orders-0")).to_have_value("tizanidine 2 mg tid")


def test_checkbox_labels_sit_beside_their_boxes(screen: Visit, web_server: Server) -> None:
    screen.login(web_server, "demo-clinician")
    page = screen.page
    for name in ("dialysis", "alcohol", "substance_use_disorder"):
        box = page.locator(f"#{name}").bounding_box()
        label = page.locator(f"label[for={name}]").bounding_box()
        assert box is not None and label is not None
        assert label["x"] >= box["x"] + box["width"], (name, box, label)
        assert label["y"] < box["y"] + box["height"], (name, box, label)  # same line
    page.locator(".checks").scroll_into_view_if_needed()
    page.screenshot(path=str(screen.shots / f"ws-checkboxes-{screen.size}.png"))  # type: ignore[attr-defined]


def test_derived_facts_mg_per_day_and_no_scientific_notation(
    visit: Visit, web_server: Server
) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Age").fill("70")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Weight").fill("90")
    page.get_by_label("Height").fill("160")
    page.get_by_label("Serum creatinine").fill("1.4")
    page.locator("#medications-0").fill("oxycodone 5 mg q6h")
    page.locator("#orders-0").fill("carisoprodol 35000 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    crcl = page.locator("#fact-crcl")
    expect(crcl).to_contain_text("39.8 mL/min")
    expect(crcl).to_contain_text("Cockcroft-Gault")
    expect(crcl).to_contain_text("adjusted body weight 67.4 kg")
    expect(page.locator("#fact-egfr")).to_contain_text("40.5 mL/min/1.73 m²")
    expect(page.locator("#fact-egfr")).to_contain_text("CKD-EPI 2021")
    rows = page.locator("#orders-read tbody tr")
    expect(rows.filter(has_text="carisoprodol 35000")).to_contain_text("105,000 mg/day")
    expect(rows.filter(has_text="oxycodone")).to_contain_text("20 mg/day")
    expect(page.locator("#alerts")).to_contain_text("35,000 mg")
    assert "e+0" not in page.locator("main").inner_text()
    visit.shot("ws-facts")


def test_every_drug_named_links_to_a_page(browser: Browser, web_server: Server,
                                          shots: Path) -> None:  # fmt: skip
    context = browser.new_context(bypass_csp=True, viewport={"width": 1440, "height": 900})
    visit = Visit(context, web_server.base, shots)
    visit.login(web_server, "demo-clinician")
    page = visit.page
    for i, med in enumerate(("oxycodone 5 mg q6h", "alprazolam 0.5 mg tid",
                             "sertraline 50 mg daily")):  # fmt: skip
        page.locator(f"#medications-{i}").fill(med)
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.locator("#orders-1").fill("ciprofloxacin 500 mg bid")
    page.get_by_role("button", name="Check the orders").click()
    hrefs = set(page.locator("#check-results a[href^='/drugs/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))  # fmt: skip
    for name in ("oxycodone", "alprazolam", "sertraline", "ciprofloxacin", "tizanidine"):
        assert f"/drugs/{name}" in hrefs, hrefs
    for href in sorted(hrefs):
        assert httpx.get(web_server.base + href).status_code == 200, href
    _axe(page)
    response = page.goto(visit.base + "/drugs/oxycodone")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Oxycodone")
    expect(page.locator("main")).to_contain_text("Opioid analgesics")
    table = page.locator("#interactions + table")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).to_contain_text("MRX-DDI-003")
    expect(page.locator("ol.sources a").first).to_have_attribute("href", re.compile("^https://"))
    visit.shot("drug-oxycodone")
    _axe(page)
    page.goto(visit.base + "/drugs/ciprofloxacin")
    expect(page.locator("main")).to_contain_text("Strong CYP1A2 inhibitors")
    expect(page.locator("#interactions + table")).to_contain_text("Contraindicated")
    visit.shot("drug-ciprofloxacin")
    page.get_by_role("link", name="Strong CYP1A2 inhibitors").first.click()
    expect(page).to_have_url(visit.base + "/drugs/classes/cyp1a2_inhibitors_strong")
    expect(page.locator(".members")).to_contain_text("fluvoxamine")
    visit.shot("drug-class-cyp1a2")
    _axe(page)
    page.goto(visit.base + "/drugs/tizanidine")  # the monograph links its interactions
    expect(page.locator("#interactions + table a[href='/drugs/ciprofloxacin']")).to_have_count(1)
    for missing in ("/drugs/notadrug", "/drugs/classes/notaclass"):
        response = page.goto(visit.base + missing)
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    _axe(page)
    context.close()
    assert not visit.foreign, visit.foreign


def _legend_value(page: Page, chart: str, label: str) -> str:
    row = page.locator(f"#{chart} .u-legend tr").filter(has_text=label).first
    return row.locator(".u-value").inner_text().strip()


def test_curve_legend_unit_and_sentences(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.locator("#medications-0").fill("sertraline 50 mg daily")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.get_by_label("Days to simulate").fill("2")
    page.get_by_label("Simulated patients").fill("0")
    page.get_by_role("button", name="Draw the curve").click()
    chart = page.locator("#chart-tizanidine")
    expect(chart).to_have_attribute("data-drawn", "true")
    # filled before any hover: a value for each line
    for label in ("This patient", "Typical adult"):
        assert re.search(r"\d", _legend_value(page, "chart-tizanidine", label)), label
    data = page.locator("script.chart-data").first.text_content() or ""
    unit = re.search(r'"unit": "([^"]+)"', data)
    assert unit is not None and unit.group(1) in ("ng/mL", "mg/L"), data[:200]
    expect(page.locator("#chart-tizanidine-caption")).to_contain_text(f"({unit.group(1)})")
    expect(page.locator("#exposure tbody tr").first.locator("td").first).to_contain_text(
        unit.group(1)
    )
    assert "mcg/mL" not in page.locator("#sim-results").inner_text()
    sentences = page.locator(".sim-sentence")
    expect(sentences.filter(has_text="typical adult's")).to_have_count(1)
    expect(sentences.filter(has_text="sertraline changes nothing")).to_have_count(1)
    expect(page.locator("#sim-results")).not_to_contain_text("taken into account")
    visit.shot("ws-curve-legend")
    # ciprofloxacin does change it: said so, and the two curves differ
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator(".sim-sentence").filter(has_text="change the curve: ciprofloxacin")
           ).to_have_count(1)  # fmt: skip
    expect(page.locator(".sim-sentence").filter(has_text="typical adult's")).to_have_count(0)


def _typed(page: Page) -> None:
    page.get_by_label("Age").fill("64")
    page.get_by_label("Weight").fill("72")
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")


def _kept(page: Page) -> None:
    expect(page.get_by_label("Age")).to_have_value("64")
    expect(page.get_by_label("Weight")).to_have_value("72")
    expect(page.locator("#medications-0")).to_have_value("ciprofloxacin 500 mg bid")
    expect(page.locator("#orders-0")).to_have_value("tizanidine 4 mg tid")


def test_upload_errors_are_shown_in_the_page_and_keep_what_was_typed(
    visit: Visit, web_server: Server, tmp_path: Path
) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    expect(page.locator("#bundle-hint")).to_contain_text("at most 2 MB")
    big = tmp_path / "huge.json"
    big.write_text('{"resourceType": "Bundle", "entry": [' + " " * 2_100_000 + "]}")
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", "entry": [')
    cases = [(None, "choose a FHIR Bundle"), (image, "is an image"),
             (broken, "is not JSON (line 1"), (big, "larger than 2 MB")]  # fmt: skip
    for path, message in cases:
        _typed(page)
        if path is not None:
            page.get_by_label("FHIR R4 Bundle (JSON)").set_input_files(str(path))
        page.get_by_role("button", name="Read record").click()
        expect(page.locator("#bundle-error")).to_contain_text(message)
        _kept(page)
    visit.shot("ws-upload-too-large")


def test_upload_over_the_limit_without_script_is_a_page_that_keeps_the_form(
    browser: Browser, web_server: Server, tmp_path: Path
) -> None:
    """Without the script's early check, the server answers with the workspace page itself."""
    context = browser.new_context(java_script_enabled=False)
    visit = Visit(context, web_server.base, Path(tmp_path))
    visit.login(web_server, "demo-clinician")
    page = visit.page
    big = tmp_path / "huge.json"
    big.write_text('{"resourceType": "Bundle", "entry": [' + " " * 2_100_000 + "]}")
    _typed(page)
    page.get_by_label("FHIR R4 Bundle (JSON)").set_input_files(str(big))
    page.get_by_role("button", name="Read record").click()
    expect(page.locator("#bundle-error")).to_contain_text("larger than 2 MB")
    expect(page.locator("#error-summary")).to_contain_text("FHIR R4 Bundle: ")
    _kept(page)
    context.close()


def test_errors_name_their_field_and_hint_at_units(visit: Visit, web_server: Server) -> None:
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_label("Weight").fill("0.2")
    page.locator("#orders-0").fill("baclofen 5 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#error-summary")).to_contain_text("Weight: must be greater than 0.3 kg")
    page.get_by_label("Weight").fill("70")
    page.get_by_label("Serum creatinine").fill("124")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#scr_mg_dl-error")).to_contain_text("looks like µmol/L")
    expect(page.locator("#scr_mg_dl-error")).to_contain_text("1.40 mg/dL")
    expect(page.locator("#error-summary")).to_contain_text("Serum creatinine: ")
    visit.shot("ws-error-scr-umol")
    page.get_by_label("Serum creatinine").fill("1.1")
    page.get_by_label("Current dose (taper) or drug (titration)").fill("baclofen 20 mg tid")
    for bad in ("1900-01-01", "2099-01-01"):
        page.get_by_label("First day").fill(bad)
        page.get_by_role("button", name="Make the plan").click()
        expect(page.locator("#plan_start-error")).to_contain_text("a year ago")
        expect(page.locator("#error-summary")).to_contain_text("First day: must be between")
        expect(page.locator("#plan")).to_have_count(0)


def test_api_docs_are_served_by_the_app(visit: Visit) -> None:
    page = visit.page
    loaded: list[tuple[str, int]] = []
    page.on("response", lambda r: loaded.append((r.url, r.status)))
    page.goto(visit.base + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("myorelax")
    expect(page.locator(".opblock").first).to_be_visible()
    html = httpx.get(visit.base + "/docs").text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(refs) >= 4 and all(r.startswith("/") and not r.startswith("//") for r in refs), refs
    for ref in refs:
        assert httpx.get(visit.base + ref).status_code == 200, ref
    assert all(status == 200 for _, status in loaded), loaded
    assert any(u.endswith("/docs-assets/swagger-ui-bundle.js") for u, _ in loaded), loaded
    assert any(u.endswith("/openapi.json") for u, _ in loaded), loaded
    page.locator(".opblock-summary-control").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    visit.shot("api-docs")
    # the visit fixture proves nothing came from elsewhere; axe (the page has no CSP to bypass)
    _axe(page)


def test_a_form_far_over_the_limit_is_refused_with_a_page(web_server: Server) -> None:
    """Beyond what the workspace reads itself, the refusal is still a page, not JSON."""
    r = httpx.post(web_server.base + "/workspace", content=b" " * 8_000_001,
                   headers={"Content-Type": "multipart/form-data; boundary=x",
                            "Accept": "text/html"})  # fmt: skip
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "Go back" in r.text


def test_new_pages_and_states_pass_axe(browser: Browser, web_server: Server, shots: Path,
                                       tmp_path: Path) -> None:  # fmt: skip
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    visit = Visit(context, web_server.base, shots)
    visit.login(web_server, "demo-clinician")
    page = visit.page
    _typed(page)
    page.get_by_label("Days to simulate").fill("1")
    page.get_by_label("Simulated patients").fill("20")
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator("#chart-tizanidine")).to_have_attribute("data-drawn", "true")
    _axe(page)
    visit.shot("ws-curve-phone")
    page.get_by_label("Current dose (taper) or drug (titration)").fill("tizanidine 4 mg tid")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator("#plan .rationale")).to_be_visible()
    _axe(page)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    page.get_by_label("FHIR R4 Bundle (JSON)").set_input_files(str(broken))
    page.get_by_role("button", name="Read record").click()
    expect(page.locator("#bundle-error")).to_be_visible()
    _axe(page)
    page.get_by_label("Weight").fill("0.1")
    page.get_by_role("button", name="Check the orders").click()
    expect(page.locator("#weight_kg-error")).to_be_visible()
    _axe(page)
    page.goto(visit.base + "/drugs")
    expect(page.locator("ul.classes a").first).to_be_visible()
    _axe(page)
    for path in ("/drugs/classes/opioids", "/drugs/ciprofloxacin", "/drugs/tizanidine"):
        page.goto(visit.base + path)
        _axe(page)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (path, wide)  # nothing wider than the phone
    page.goto(visit.base + "/drugs/classes/opioids")
    visit.shot("drug-class-opioids-phone")
    context.close()
    assert not visit.foreign, visit.foreign


def test_every_class_and_member_has_a_page(web_server: Server) -> None:
    """Every class listed on /drugs, and every member each class page links to, is a page."""
    with httpx.Client(base_url=web_server.base) as client:
        listing = client.get("/drugs").text
        classes = sorted(set(re.findall(r'href="(/drugs/classes/[a-z0-9_]+)"', listing)))
        assert len(classes) > 20, classes
        members: set[str] = set()
        for path in classes:
            r = client.get(path)
            assert r.status_code == 200, path
            members |= set(re.findall(r'<li><a href="(/drugs/[^"/]+)"', r.text))
        assert len(members) > 100
        for path in sorted(members):
            assert client.get(path).status_code == 200, path
