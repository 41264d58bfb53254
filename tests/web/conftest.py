"""Browser tests: Playwright (Python) driving Debian's chromium (/usr/bin/chromium, installed by
`make test`) against a real `myorelax serve` process. Every page a test visits is checked to
load nothing from outside the server, and each test saves screenshots under
test-output/web/ (looked at by a person; see docs/web.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.api.server import Keys, Server

CHROMIUM = os.environ.get("MYORELAX_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "web"


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    # the default body limit (2 MB), so that a whole Synthea record can be uploaded
    srv = Server(f"sqlite:///{folder / 'web.db'}", Keys(),
                 extra_env={"MYORELAX_MAX_BODY_BYTES": "2000000"})  # fmt: skip
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (make browser)")
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


class Visit:
    """A browser context for one test: every request is recorded, so a test can prove that
    nothing came from the internet and measure the script each page loads."""

    def __init__(self, context: BrowserContext, base: str, shots: Path) -> None:
        self.context = context
        self.base = base
        self.shots = shots
        self.foreign: list[str] = []
        self.script_bytes: dict[str, int] = {}  # "n url" of each page load -> script bytes
        self.loads = 0
        self.page: Page = context.new_page()
        self.page.set_default_timeout(15_000)
        context.on("request", self._request)
        context.on("response", self._response)

    def _request(self, request: object) -> None:
        url: str = request.url  # type: ignore[attr-defined]
        if request.resource_type == "document":  # type: ignore[attr-defined]
            self.loads += 1
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:", "about:"))):
            self.foreign.append(url)

    def _response(self, response: object) -> None:
        if response.request.resource_type == "script":  # type: ignore[attr-defined]
            if response.request.service_worker is not None:  # type: ignore[attr-defined]
                return  # the diary's service worker script: no page frame, not a page's budget
            key = f"{self.loads} {response.frame.url}"  # type: ignore[attr-defined]
            size = len(response.body())  # type: ignore[attr-defined]
            self.script_bytes[key] = self.script_bytes.get(key, 0) + size

    def shot(self, name: str) -> Path:
        """A full-page screenshot for a person to look at, when MYORELAX_TEST_SCREENSHOTS=1 (it
        asserts nothing, and 47 of them cost about 15 s of the suite, so `make test` skips them)."""
        path = self.shots / f"{name}.png"
        if os.environ.get("MYORELAX_TEST_SCREENSHOTS") == "1":
            self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, server: Server, user: str) -> None:
        self.page.goto(self.base + "/login")
        self.page.get_by_label("User name").fill(user)
        self.page.get_by_label("Password").fill(server.passwords[user])
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()


@pytest.fixture
def visit(browser: Browser, web_server: Server, shots: Path) -> Iterator[Visit]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    v = Visit(context, web_server.base, shots)
    yield v
    context.close()
    assert not v.foreign, f"requests outside the server: {v.foreign}"


@pytest.fixture
def phone(browser: Browser, web_server: Server, shots: Path) -> Iterator[Visit]:
    """A phone-sized screen (the diary is used on one)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)  # fmt: skip
    v = Visit(context, web_server.base, shots)
    yield v
    context.close()
    assert not v.foreign, f"requests outside the server: {v.foreign}"
