"""Drug pages, accessibility (axe-core, WCAG 2 A and AA rules), the script budget of every page
(at most 500 KB), no resource from outside the server, and the security headers."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from tests.api.server import Server
from tests.web.axe import assert_accessible, axe_run
from tests.web.conftest import Visit

SCRIPT_BUDGET = 500 * 1024


def test_drug_list_and_monograph_with_sources(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/drugs")
    expect(page.get_by_role("heading", name="Drugs", level=1)).to_be_visible()
    expect(page.locator("table.data tbody tr")).to_have_count(11)
    visit.shot("drugs")
    page.get_by_role("link", name="Tizanidine", exact=True).click()
    expect(page).to_have_url(visit.base + "/drugs/tizanidine")
    expect(page.get_by_role("heading", name="Tizanidine", level=1)).to_be_visible()
    # every citation points at an entry of the source list, which links to DailyMed or PubMed
    cites = page.locator("a.cite")
    assert cites.count() > 20
    targets = set(cites.evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    for target in targets:
        expect(page.locator(target)).to_have_count(1)
    expect(
        page.locator("#sources + ol a[href^='https://dailymed.nlm.nih.gov']").first
    ).to_be_visible()
    # the contraindicated CYP1A2 inhibitors lead the interaction table
    expect(page.locator("#interactions + table tbody tr").first).to_contain_text("Contraindicated")
    visit.shot("drug-tizanidine")
    page.goto(visit.base + "/drugs/soma")  # a brand finds its monograph
    expect(page.get_by_role("heading", level=1)).to_have_text("Carisoprodol")
    response = page.goto(visit.base + "/drugs/notadrug")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_pages_pass_axe_and_stay_within_the_script_budget(
    browser: Browser, web_server: Server, shots: Path
) -> None:
    """axe-core is injected only here (the page's CSP would refuse it otherwise)."""
    context = browser.new_context(bypass_csp=True)
    visit = Visit(context, web_server.base, shots)
    page = visit.page
    checked: dict[str, int] = {}

    def audit(path: str) -> None:
        page.goto(visit.base + path)
        page.wait_for_load_state("networkidle")
        problems, passes = axe_run(page)
        assert not problems, f"{path}: {problems}"
        checked[path] = passes

    audit("/login")
    visit.login(web_server, "demo-clinician")
    audit("/workspace")
    page.locator("#medications-0").fill("ciprofloxacin 500 mg bid")
    page.locator("#orders-0").fill("tizanidine 4 mg tid")
    page.get_by_role("button", name="Check the orders").click()
    assert_accessible(page, "/workspace after the action")
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator("#chart-tizanidine")).to_have_attribute("data-drawn", "true")
    assert_accessible(page, "/workspace after the action")
    audit("/patients")
    audit("/drugs")
    audit("/drugs/baclofen")
    patients = httpx.get(web_server.base + "/api/v1/patients",
                         headers=web_server.login("demo-clinician")).json()["patients"]  # fmt: skip
    audit(f"/patients/{patients[0]['id']}/diary")
    context.close()
    assert not visit.foreign, visit.foreign
    assert all(n > 10 for n in checked.values()), checked  # axe really ran its rules
    # script budget per page load (axe is injected as inline text, not fetched: not counted)
    for load, size in visit.script_bytes.items():
        assert size <= SCRIPT_BUDGET, (load, size)
    assert max(visit.script_bytes.values()) > 50_000  # uPlot was among them: it was measured
    print({k.replace(web_server.base, ""): v for k, v in visit.script_bytes.items()})


def test_the_accessibility_audit_can_fail(browser: Browser, web_server: Server) -> None:
    """A negative control: the same axe run on a page with an unlabelled field fails."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(web_server.base + "/login")
    page.evaluate("document.querySelector('label[for=username]').remove()")
    problems, _passes = axe_run(page)
    assert any(p.startswith("label ") for p in problems), problems
    context.close()


def test_keyboard_alone_signs_in_and_checks(visit: Visit, web_server: Server) -> None:
    page = visit.page
    page.goto(visit.base + "/login")
    page.keyboard.press("Tab")  # skip link first
    expect(page.locator(".skip")).to_be_focused()
    page.get_by_label("User name").focus()
    page.keyboard.type("demo-clinician")
    page.keyboard.press("Tab")
    page.keyboard.type(web_server.passwords["demo-clinician"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(visit.base + "/workspace")
    page.locator("#orders-0").focus()
    page.keyboard.type("carisoprodol 350 mg qid")
    page.keyboard.press("Enter")  # the form's first submit button checks the orders
    expect(page.locator("#alerts")).to_be_visible()


def test_security_headers_and_sign_out(visit: Visit, web_server: Server) -> None:
    r = httpx.get(web_server.base + "/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    # a form post from another site is refused
    r = httpx.post(web_server.base + "/login", data={"username": "x", "password": "y"},
                   headers={"Origin": "https://evil.example"})  # fmt: skip
    assert r.status_code == 403
    visit.login(web_server, "demo-clinician")
    page = visit.page
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(visit.base + "/login")
    page.goto(visit.base + "/workspace")
    expect(page).to_have_url(visit.base + "/login?next=/workspace")
