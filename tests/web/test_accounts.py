"""Account pages (issue 21): change your password, see and end your sessions, an administrator's
reset; at 1440x900 and on a 390x844 phone, each page screenshotted and checked by axe-core."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.api.server import Server
from tests.web.axe import assert_accessible
from tests.web.conftest import Visit

PASSWORD = "first long passphrase"
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _axe(visit: Visit) -> None:
    page = visit.page
    assert_accessible(page, page.url)
    # nothing wider than the screen (a phone must not scroll sideways)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _sign_in(visit: Visit, name: str, password: str) -> None:
    page = visit.page
    page.goto(visit.base + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _api_login(server: Server, name: str, password: str) -> dict[str, str]:
    r = httpx.post(server.base + "/api/v1/auth/login", headers={"User-Agent": "pytest-api/1"},
                   json={"username": name, "password": password})  # fmt: skip
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _me(server: Server, headers: dict[str, str]) -> int:
    return httpx.get(server.base + "/api/v1/auth/me", headers=headers).status_code


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser, web_server: Server,
          shots: Path) -> Iterator[tuple[str, Visit]]:  # fmt: skip
    size: str = request.param
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, is_mobile=phone,
                                  has_touch=phone, device_scale_factor=2 if phone else 1)  # fmt: skip
    visit = Visit(context, web_server.base, shots)
    yield size, visit
    context.close()
    assert not visit.foreign, visit.foreign


def _new_user(server: Server, role: str = "clinician") -> str:
    name = f"web-{uuid.uuid4().hex[:6]}"
    r = httpx.post(server.base + "/api/v1/users", headers=server.login("admin"),
                   json={"username": name, "role": role, "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201, r.text
    return name


def test_change_password_page(sized: tuple[str, Visit], web_server: Server) -> None:
    size, visit = sized
    page = visit.page
    name = _new_user(web_server)
    elsewhere = _api_login(web_server, name, PASSWORD)
    _sign_in(visit, name, PASSWORD)
    page.get_by_role("link", name="your account").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    _axe(visit)
    visit.shot(f"account-{size}")

    # too short: a field error naming the rule, and the summary links to the field
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short one")
    page.get_by_label("Repeat the new password").fill("short one")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#new_password-error")).to_contain_text(
        "The new password must be at least 12 characters."
    )
    expect(page.locator("#error-summary a[href='#new_password']")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    _axe(visit)
    visit.shot(f"account-error-{size}")

    page.get_by_label("Current password").fill("not my password at all")
    page.get_by_label("New password", exact=True).fill("second long passphrase")
    page.get_by_label("Repeat the new password").fill("second long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_contain_text(
        "Your current password is wrong."
    )
    assert _me(web_server, elsewhere) == 200

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("second long passphrase")
    page.get_by_label("Repeat the new password").fill("second long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#changed")).to_have_text(
        "Your password was changed. You were signed out of 1 other session."
    )
    visit.shot(f"account-changed-{size}")
    assert _me(web_server, elsewhere) == 401  # the other session ended
    page.goto(visit.base + "/workspace")  # this one did not
    expect(page).to_have_url(visit.base + "/workspace")


def test_sessions_page(sized: tuple[str, Visit], web_server: Server) -> None:
    size, visit = sized
    page = visit.page
    name = _new_user(web_server)
    _sign_in(visit, name, PASSWORD)
    api_one, api_two = (_api_login(web_server, name, PASSWORD) for _ in range(2))
    page.goto(visit.base + "/account/sessions")
    cards = page.locator("li.session")
    expect(cards).to_have_count(3)
    expect(page.locator("li.session.current")).to_contain_text("this browser")
    expect(page.locator("li.session.current h2")).to_contain_text("Headless Chrome")
    expect(cards.filter(has_text="pytest-api/1")).to_have_count(2)
    _axe(visit)
    visit.shot(f"sessions-{size}")

    cards.filter(has_text="pytest-api/1").first.get_by_role("button").click()
    expect(page.locator("#ended")).to_have_text("Ended 1 session.")
    expect(cards).to_have_count(2)
    assert sorted([_me(web_server, api_one), _me(web_server, api_two)]) == [200, 401]

    page.get_by_role("button", name="Sign out everywhere else").click()
    expect(page.locator("#ended")).to_have_text("Ended 1 session.")
    expect(cards).to_have_count(1)
    assert _me(web_server, api_one) == 401 and _me(web_server, api_two) == 401
    _axe(visit)
    visit.shot(f"sessions-ended-{size}")

    page.get_by_role("button", name="Sign out here").click()  # the current one: signed out
    expect(page).to_have_url(visit.base + "/login")


def test_admin_resets_a_password(sized: tuple[str, Visit], web_server: Server) -> None:
    size, visit = sized
    page = visit.page
    name = _new_user(web_server, "patient")
    theirs = _api_login(web_server, name, PASSWORD)
    clinician = _new_user(web_server)
    _sign_in(visit, clinician, PASSWORD)
    response = page.goto(visit.base + "/admin/users")
    assert response is not None and response.status == 403
    page.get_by_role("button", name="Sign out").click()

    visit.login(web_server, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page).to_have_url(visit.base + "/admin/users")
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    _axe(visit)
    page.get_by_label("Account").select_option(name)
    page.get_by_label("New password (optional)").fill("short")
    page.get_by_role("button", name="Reset password").click()
    expect(page.locator("#new_password-error")).to_contain_text("at least 12 characters")
    page.get_by_label("Account").select_option(name)
    page.get_by_role("button", name="Reset password").click()
    expect(page.locator("#reset-done")).to_contain_text(f"Password reset for {name}")
    secret = page.locator("#new-secret").inner_text()
    assert len(secret) >= 12
    _axe(visit)
    visit.shot(f"admin-users-reset-{size}")
    assert _me(web_server, theirs) == 401
    _api_login(web_server, name, secret)
