"""The desk with the keyboard alone: sign in, skip to the content, open New payout, pick the
test service, fill the form and send it, never touching the mouse. Every stop shows a focus
ring."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.steps import DETAIL_URL, choose_test_service, payouts
from webapp.models import PayoutStatus, Role

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {id: el.id, name: el.getAttribute('name'), value: el.getAttribute('value'),
          href: el.getAttribute('href'), text: (el.textContent || '').trim(),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_to(page: Page, matches, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies `matches`; it must show a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused and matches(focused):
            assert focused["ring"], f"no visible focus on {focused}"
            return focused
    raise AssertionError("never reached the element with Tab")


def test_journey_keyboard_only_operator_creates_a_payout(page: Page, make_user, sandbox) -> None:
    make_user("olga", Role.OPERATOR)
    page.goto("/login")
    # The username box has focus on arrival.
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("olga")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery-staple")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")

    skip = tab_to(page, lambda f: f["href"] == "#main")
    assert skip["text"]
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.keyboard.press("Shift+Tab")  # back into the header, then forward to the nav link
    tab_to(page, lambda f: f["href"] == "/payouts/new")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payouts/new")

    tab_to(page, lambda f: f["id"] == "currency")
    page.keyboard.press("Tab")
    page.keyboard.type("10.00")
    page.keyboard.press("Enter")
    expect(page.locator("input[type=radio][value=test_usd]")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the typing's own delayed refresh has landed too

    tab_to(page, lambda f: f["name"] == "service")
    # Arrows move within the radio group and load nothing: the region is never swapped
    # under the keyboard; Enter ("Continue with this service") brings the chosen form.
    asked = watch_new_payout_requests(page)
    page.keyboard.press("ArrowDown")
    moved_to = page.evaluate("document.activeElement.id")
    assert moved_to.startswith("service-") and moved_to != "service-test_usd", moved_to
    for _ in range(20):
        if page.evaluate("document.activeElement.value") == "test_usd":
            break
        page.keyboard.press("ArrowUp")
    page.wait_for_timeout(300)
    assert asked == [] and page.locator("#payout-form").count() == 0
    page.keyboard.press("Enter")
    expect(page.locator("#payout-form input[name=service]")).to_have_value("test_usd")
    # Focus lands on the form's first field.
    expect(page.locator("#field__account")).to_be_focused()
    page.keyboard.type("123456")
    page.keyboard.press("Enter")  # implicit submission: "Continue", never a money action
    expect(page.locator("#review-form")).to_be_visible()
    expect(page.locator("#review-heading")).to_be_focused()  # the review starts at its title
    tab_to(page, lambda f: f["id"] == "create-payout")
    page.keyboard.press("Enter")
    page.wait_for_url(DETAIL_URL)
    [created] = payouts()
    assert created.status_enum == PayoutStatus.AWAITING_APPROVAL


def watch_new_payout_requests(page: Page) -> list[str]:
    """URLs of the new-payout requests the page sends from now on."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/payouts/new" in r.url else None)
    return asked


def test_arrowing_through_services_never_replaces_the_form(page: Page, make_user,
                                                           sandbox) -> None:
    """A form already filled in stays as it is while the keyboard arrows through the other
    services; only Continue swaps it, and focus then lands on the new form's first field to
    fill (the recipient's first; the amount above it is already given)."""
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    page.goto("/payouts/new")
    choose_test_service(page)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#field__account")).to_be_focused()
    page.keyboard.type("987654")
    page.locator("input[type=radio][value=test_usd]").focus()
    asked = watch_new_payout_requests(page)
    radios = page.locator("input[type=radio][name=service]:not([disabled])")
    assert radios.count() >= 2
    visited = set()
    for key in ["ArrowDown"] * (radios.count() + 1) + ["ArrowUp"] * (radios.count() + 1):
        page.keyboard.press(key)
        visited.add(page.evaluate("document.activeElement.value"))
        assert page.evaluate("document.activeElement.name") == "service", (key, visited, asked)
    page.wait_for_timeout(500)
    assert len(visited) >= 2, visited
    assert asked == [], f"arrowing loaded {asked}"
    expect(page.locator("#payout-form input[name=service]")).to_have_value("test_usd")
    expect(page.locator("#field__account")).to_have_value("987654")
    chosen = page.evaluate("document.activeElement.value")
    page.keyboard.press("Enter")
    expect(page.locator("#payout-form input[name=service]")).to_have_value(chosen)
    # The first field still to fill: the recipient's first (the amount is already given).
    first_field = "#payout-form fieldset :is(input:not([type=hidden]), select, textarea)"
    expect(page.locator(first_field).first).to_be_focused()

