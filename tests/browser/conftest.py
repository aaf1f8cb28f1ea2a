"""Playwright driving Debian's Chromium against the app on a loopback port.

One browser per session, a fresh context (cookies, storage) per test. Every page a test opens
is watched: a Content-Security-Policy report in the console fails the test, and so does any
request to an origin other than the app's. When a test fails, every open page is saved as a
screenshot under test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import TEST_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

_context_key = pytest.StashKey[BrowserContext]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class PageWatch:
    """What the browser said while the test ran: CSP refusals, foreign requests, JS errors."""

    origin: str
    csp_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_errors.append(message.text)

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))):
            self.foreign_requests.append(url)

    def assert_clean(self) -> None:
        assert self.csp_errors == [], "the CSP refused something: " + "\n".join(self.csp_errors)
        assert self.foreign_requests == [], f"third-party requests: {self.foreign_requests}"
        assert self.page_errors == [], f"JavaScript errors: {self.page_errors}"


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for browser contexts on the live server; all watched, all closed at the end.
    Pass Playwright context options (`java_script_enabled=False`, `viewport=PHONE`, ...)."""
    made: list[tuple[BrowserContext, PageWatch]] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", LAPTOP)
        options.setdefault("base_url", live_server)
        options.setdefault("accept_downloads", True)
        context = browser.new_context(**options)
        watch = PageWatch(origin=live_server)
        context.on("page", watch.attach)
        made.append((context, watch))
        request.node.stash[_context_key] = context
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    try:
        if failed is None or not failed.failed:
            for _context, watch in made:
                watch.assert_clean()
    finally:
        for context, _watch in made:
            context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def log_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form, the way a person does. The one login helper of the
    browser tests: managers and admins get an authenticator first (two-factor is required
    for them) and type its current code on the second step."""
    secret = _authenticator_for(username)
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    if secret is not None:
        code_input = page.locator("input[autocomplete=one-time-code]")
        expect(code_input).to_be_visible()
        code_input.fill(_next_code(username, secret))
        code_input.press("Enter")
        page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in: {page.url}"


def _authenticator_for(username: str) -> str | None:
    """The user's TOTP secret, enrolling one (as the setup page would) when their role needs
    it; None for users who sign in with a password alone."""
    import pyotp

    from webapp.auth import twofactor
    from webapp.auth.services import find_user
    from webapp.extensions import db

    db.session.expire_all()
    user = find_user(username)
    if user is None:
        return None
    if user.totp_enabled:
        return twofactor.secret_of(user)
    if not twofactor.required_for(user):
        return None
    secret = twofactor.new_secret()
    assert twofactor.enable(user, secret, pyotp.TOTP(secret).now()) is not None
    db.session.commit()
    return secret


def _next_code(username: str, secret: str) -> str:
    """A code for a step not used yet: a second sign-in within 30 seconds takes the next one
    (the app accepts one step of drift and refuses a step twice)."""
    import time

    import pyotp

    from webapp.auth.services import find_user
    from webapp.extensions import db

    db.session.expire_all()
    user = find_user(username)
    assert user is not None
    step = max(int(time.time()) // 30, (user.totp_last_step or 0) + 1)
    return pyotp.TOTP(secret).at(step * 30)


@pytest.fixture
def signed_in(
    new_context: Callable[..., BrowserContext],
) -> Callable[..., Page]:
    """Factory: a page in its own context, signed in as an existing user."""

    def make(username: str, **options: Any) -> Page:
        page = new_context(**options).new_page()
        log_in(page, username)
        return page

    return make


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item; on failure save every open page's screenshot."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed and report.when in {"call", "setup"}:
        context = item.stash.get(_context_key, None)
        if context is not None:
            save_screenshots(context, item.nodeid)
    return report


def save_screenshots(context: BrowserContext, nodeid: str) -> list[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]
    saved = []
    for index, open_page in enumerate(context.pages):
        path = ARTIFACTS / f"{stem}-{index}.png"
        try:
            open_page.screenshot(path=str(path), full_page=True)
        except Exception:  # noqa: S112 (a closed or crashed page: keep the others)
            continue
        saved.append(path)
    return saved



_axe_key = pytest.StashKey[dict[str, dict[str, int]]]()


@pytest.fixture(scope="session")
def axe_results(request: pytest.FixtureRequest) -> dict[str, dict[str, int]]:
    """Where the accessibility tests note each page's axe violations by impact."""
    return request.config.stash.setdefault(_axe_key, {})


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The axe table: every page checked, with its violations by impact (also written to
    test-artifacts/axe-report.txt)."""
    results = terminalreporter.config.stash.get(_axe_key, {})
    if not results:
        return
    impacts = ["critical", "serious", "moderate", "minor"]
    width = max(len(k) for k in results)
    lines = [f"{'page checked by axe':<{width}}  " + "  ".join(f"{i:>8}" for i in impacts)]
    for key in sorted(results):
        counts = results[key]
        lines.append(f"{key:<{width}}  " + "  ".join(f"{counts.get(i, 0):>8}" for i in impacts))
    terminalreporter.section("axe-core: violations by impact")
    for line in lines:
        terminalreporter.write_line(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
