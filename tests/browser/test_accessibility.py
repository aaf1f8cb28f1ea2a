"""axe-core (vendored in static/vendor/axe.min.js, served by the app itself so the CSP allows
it) on every main page in each role, at a laptop's and a 360 px phone's width: no violation of
any impact. Every page's counts go
to the terminal summary and test-artifacts/axe-report.txt."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, log_in
from tests.browser.desk import PUBLIC_PAGES, ROLE_USERS, build_desk, every_page, opens_as_page
from tests.browser.small_screens import SMALL_PHONE
from tests.browser.steps import choose_test_service, submit_payout_form
from webapp.models import Role

BLOCKING = {"serious", "critical", "moderate", "minor", None}
WIDTHS = {"laptop": LAPTOP, "phone": SMALL_PHONE}
AXE_OPTIONS = {"resultTypes": ["violations"]}

UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !el.labels?.length
          && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def run_axe(page: Page, live_server: str, results: dict[str, Any], key: str
            ) -> list[dict[str, Any]]:
    """Inject axe from our own origin, run it, note the counts under `key` in `results`,
    and return the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{live_server}/static/vendor/axe.min.js")
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    violations = result["violations"]
    results[key] = dict(Counter(v["impact"] or "unknown" for v in violations))
    unlabelled = page.evaluate(UNLABELLED_JS)
    assert unlabelled == [], f"{key}: inputs without a label: {unlabelled}"
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in violations if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", list(ROLE_USERS), ids=lambda r: r.value)
def test_main_pages_have_no_axe_violation(role: Role, width: str, new_context, live_server: str,
                                          axe_results, app, make_user, make_payout) -> None:
    desk = build_desk(make_user, make_payout)
    page = new_context(viewport=WIDTHS[width]).new_page()
    log_in(page, ROLE_USERS[role])
    blocking = {}
    for name, path in every_page(app, desk, role).items():
        response = page.goto(path)
        assert response is not None
        if not opens_as_page(page, response, path, name in desk.pages(role)):
            continue
        found = run_axe(page, live_server, axe_results, f"{role.value} · {width} · {name}")
        if found:
            blocking[name] = found
    assert blocking == {}, blocking


def test_login_page_has_no_serious_axe_violation(page: Page, live_server: str, axe_results,
                                                  app) -> None:
    blocking = {}
    for name, path in PUBLIC_PAGES.items():
        page.goto(path)
        found = run_axe(page, live_server, axe_results, f"anonymous · {name}")
        if found:
            blocking[name] = found
    page.locator("input[name=username]").fill("nobody")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    expect(page.locator(".flash-error, [aria-invalid=true]").first).to_be_visible()
    assert run_axe(page, live_server, axe_results, "anonymous · login with errors") == []
    assert blocking == {}, blocking


def test_payout_form_with_errors_has_no_serious_axe_violation(
        page: Page, live_server: str, axe_results, make_user, sandbox) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    page.goto("/payouts/new")
    choose_test_service(page)
    page.locator("#field__account").fill("not digits")
    page.locator("#customer_email").fill("not an email")
    submit_payout_form(page)
    expect(page.locator("#field__account")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#customer_email")).to_have_attribute("aria-invalid", "true")
    assert run_axe(page, live_server, axe_results, "operator · new payout with errors") == []



def test_axe_does_report_a_broken_page(page: Page, live_server: str, app) -> None:
    """The check above can fail: the same run finds an unlabelled input and unreadable text."""
    page.goto("/login")
    page.evaluate("""() => {
      const box = document.createElement('input');
      box.type = 'text';
      document.querySelector('main').append(box);
      const faint = document.createElement('p');
      faint.textContent = 'hard to read';
      faint.style.color = '#d0d0d0';  // through the CSSOM, which the CSP allows
      document.querySelector('main').append(faint);
    }""")
    found = {v["id"] for v in run_axe_raw(page, live_server)}
    assert {"label", "color-contrast"} <= found


def run_axe_raw(page: Page, live_server: str) -> list[dict[str, Any]]:
    page.add_script_tag(url=f"{live_server}/static/vendor/axe.min.js")
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
