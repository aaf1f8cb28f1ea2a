"""The approvals queue in Chromium: Enter in the reason box can only reject (the provider hears
no process call), bulk approve asks for a confirmation that shows the count and the total per
currency, each row has its own approve control, and the flash names the payouts."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import status_of
from webapp.models import PayoutStatus, Role

S = PayoutStatus


def _process_requests(sandbox) -> int:
    return sum(sandbox.state.provider_totals()["process_requests"].values())


def test_enter_in_the_reason_box_rejects_and_never_pays(signed_in, make_user, make_payout,
                                                        sandbox) -> None:
    creator = make_user("olga", Role.OPERATOR)
    ticked = make_payout(creator, amount="12.00")
    other = make_payout(creator, amount="30.00")
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto("/approvals/")
    page.locator(f"#pick-{ticked.id}").check()
    reason = page.get_by_label("Reason for rejecting")
    reason.fill("Wrong account")
    reason.press("Enter")
    page.wait_for_load_state()
    assert _process_requests(sandbox) == 0
    assert status_of(ticked.id) in {S.REJECTED, S.AWAITING_APPROVAL}
    assert status_of(other.id) == S.AWAITING_APPROVAL
    if status_of(ticked.id) == S.REJECTED:
        expect(page.locator(".flash-success")).to_contain_text(f"Rejected #{ticked.id}")


def test_enter_on_a_ticked_box_never_pays(signed_in, make_user, make_payout, sandbox) -> None:
    ticked = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto("/approvals/")
    box = page.locator(f"#pick-{ticked.id}")
    box.check()
    box.press("Enter")
    page.wait_for_load_state()
    assert _process_requests(sandbox) == 0
    assert status_of(ticked.id) == S.AWAITING_APPROVAL


def test_bulk_approve_confirms_count_and_totals_per_currency_then_names_the_payouts(
        signed_in, make_user, make_payout, sandbox) -> None:
    creator = make_user("olga", Role.OPERATOR)
    usd_a = make_payout(creator, amount="12.00")
    usd_b = make_payout(creator, amount="30.50")
    eur = make_payout(creator, amount="20.00", currency="EUR", service="voucher_eur",
                      fields={})
    left = make_payout(creator, amount="99.00")
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto("/approvals/")
    for payout in (usd_a, usd_b, eur):
        page.locator(f"#pick-{payout.id}").check()
    page.get_by_role("button", name="Approve selected…").click()
    confirm = page.locator("#confirm-approval")
    expect(confirm).to_be_visible()
    expect(confirm.locator("[data-count]")).to_have_attribute("data-count", "3")
    expect(confirm.locator("[data-total-currency=USD]")).to_contain_text("42.50")
    expect(confirm.locator("[data-total-currency=EUR]")).to_contain_text("20.00")
    assert _process_requests(sandbox) == 0  # nothing is paid before the confirmation
    confirm.get_by_role("button", name="Approve and pay 3 payouts").click()
    page.wait_for_load_state()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text("Approved")
    for payout in (usd_a, usd_b, eur):
        expect(flash).to_contain_text(f"#{payout.id}")
        assert status_of(payout.id) in {S.PROCESSING, S.PROCESSED}
    assert status_of(left.id) == S.AWAITING_APPROVAL
    assert _process_requests(sandbox) == 3


def test_each_row_has_its_own_approve_control(signed_in, make_user, make_payout,
                                              sandbox) -> None:
    creator = make_user("olga", Role.OPERATOR)
    first = make_payout(creator, amount="12.00")
    second = make_payout(creator, amount="13.00")
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto("/approvals/")
    page.get_by_role("button", name=f"Approve #{second.id}").click()
    page.wait_for_load_state()
    assert status_of(second.id) in {S.PROCESSING, S.PROCESSED}
    assert status_of(first.id) == S.AWAITING_APPROVAL
    assert _process_requests(sandbox) == 1
