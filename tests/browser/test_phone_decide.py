"""A manager away from the desk decides on a 360 px phone: the queue's cards lead with amount,
recipient and age, the payout page shows what the decision needs and takes them to the
controls in one tap, and approving keeps its safeguards. An operator's list reads as cards.
Screenshots: test-artifacts/screens/phone-journey-*.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.small_screens import SMALL_PHONE
from tests.browser.steps import csrf_token, status_of
from tests.browser.test_layout import MEASURE_JS, fits, shoot
from webapp.approvals.fingerprint import fingerprint_of
from webapp.models import PayoutStatus, Role

TALL_ENOUGH_PX = 44  # a comfortable touch target


def card_order(page: Page, row: str) -> list[str]:
    """Classes of a card's cells in the order they are laid out (top-left first)."""
    return page.evaluate("""row => [...document.querySelector(row).children]
      .map(td => ({cls: td.className, box: td.getBoundingClientRect()}))
      .filter(c => c.box.width > 0)
      .sort((a, b) => a.box.top - b.box.top || a.box.left - b.box.left)
      .map(c => c.cls)""", row)


def test_a_manager_approves_on_a_phone(new_context, make_user, make_payout, sandbox) -> None:
    olga = make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    payout = make_payout(olga, amount="125.00")
    page: Page = new_context(viewport=SMALL_PHONE).new_page()
    log_in(page, "max")

    page.goto("/approvals/")
    expect(page.locator(".filter-toggle")).not_to_have_attribute("open", "")
    card = page.locator("#approval-queue tbody tr").first
    box = card.bounding_box()
    assert box is not None and box["width"] <= SMALL_PHONE["width"]
    # The amount leads the card (after the selection box), then recipient and age.
    first_cells = page.evaluate("""() => {
      const cells = [...document.querySelectorAll('#approval-queue tbody tr:first-child td')];
      return cells.map((td, i) => ({i, box: td.getBoundingClientRect()}))
        .filter(c => c.box.width > 0)
        .sort((a, b) => a.box.top - b.box.top || a.box.left - b.box.left).map(c => c.i + 1);
    }""")
    assert set(first_cells[:2]) == {1, 3}, first_cells  # checkbox and amount, one line
    assert first_cells.index(5) < first_cells.index(2), first_cells  # recipient before the #
    expect(card).to_contain_text("$125.00")
    shoot(page, "phone", "journey", "manager", "queue")
    assert fits(page.evaluate(MEASURE_JS))

    page.locator(f"#approval-queue a[href='/payouts/{payout.id}']").first.click()
    page.wait_for_url(f"**/payouts/{payout.id}")
    shoot(page, "phone", "journey", "manager", "payout")
    assert fits(page.evaluate(MEASURE_JS))
    for fact in ("$125.00", "olga", payout.customer_name or "", "test_usd"):
        expect(page.locator("main")).to_contain_text(fact)
    page.locator(".decide-jump a").click()
    approve = page.locator("#decide button.primary")
    expect(approve).to_be_in_viewport()
    for button in (approve, page.locator("#decide button.danger")):
        size = button.bounding_box()
        assert size is not None and size["height"] >= TALL_ENOUGH_PX, size
    # Rejecting without a reason is refused by the form itself.
    page.locator("#decide button.danger").click()
    assert page.evaluate("document.querySelector('#reason').validity.valueMissing")
    assert status_of(payout.id) == PayoutStatus.AWAITING_APPROVAL
    # The safeguard of the queue: a decision bound to what the page showed.
    stale = page.request.post(f"/approvals/{payout.id}/approve", form={
        "csrf_token": csrf_token(page), "fingerprint": "not-what-was-shown"})
    assert "flash-error" in stale.text()
    assert status_of(payout.id) == PayoutStatus.AWAITING_APPROVAL
    assert page.locator("#decide input[name=fingerprint]").first.get_attribute(
        "value") == fingerprint_of(payout)

    approve.click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    shoot(page, "phone", "journey", "manager", "payout-approved")
    assert status_of(payout.id) != PayoutStatus.AWAITING_APPROVAL


def test_an_operator_reads_the_list_as_cards_on_a_phone(new_context, make_user, make_payout,
                                                        sandbox) -> None:
    olga = make_user("olga", Role.OPERATOR)
    make_payout(olga, amount="40.00")
    page: Page = new_context(viewport=SMALL_PHONE).new_page()
    log_in(page, "olga")
    page.goto("/payouts/")
    toggle = page.locator("#payout-filters details.filter-toggle")
    expect(toggle).not_to_have_attribute("open", "")
    expect(page.locator("#q")).to_be_hidden()
    expect(toggle.locator("summary")).to_have_text("Filters (0)")
    order = card_order(page, "#payout-list tbody tr")
    assert [c.split()[-1] for c in order[:4]] == ["c-amount", "c-status", "c-who", "c-age"], order
    shoot(page, "phone", "journey", "operator", "list")
    toggle.locator("summary").click()
    expect(page.locator("#q")).to_be_visible()
    page.locator("#currency").select_option("USD")
    page.wait_for_url("**currency=USD**")
    page.reload()
    expect(page.locator("#payout-filters summary")).to_have_text("Filters (1)")
    # The header is one row with a menu.
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] < 60, header
    expect(page.locator("nav a[href='/payouts/new']")).to_be_hidden()
    page.locator(".nav-menu summary").click()
    expect(page.locator("nav a[href='/payouts/new']")).to_be_visible()
    shoot(page, "phone", "journey", "operator", "menu-open")
    assert fits(page.evaluate(MEASURE_JS))


def test_filters_fold_without_javascript(new_context, make_user) -> None:
    make_user("olga", Role.OPERATOR)
    page: Page = new_context(viewport=SMALL_PHONE, java_script_enabled=False).new_page()
    log_in(page, "olga")
    page.goto("/payouts/?currency=USD")
    expect(page.locator("#q")).to_be_hidden()
    page.locator("#payout-filters summary").click()
    expect(page.locator("#q")).to_be_visible()
    page.locator(".nav-menu summary").click()
    expect(page.locator("nav a[href='/batches/new']")).to_be_visible()
