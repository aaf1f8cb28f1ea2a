"""Deciding on payouts in the browser: four eyes (the creator cannot approve, not even by a
direct POST), approval followed to `processed` by the sandbox's callback without reloading,
and a rejection whose reason the creator reads."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import csrf_token, status_of
from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import PayoutApproval, PayoutStatus, Role

S = PayoutStatus


def approvals_of(payout_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(PayoutApproval.id)).filter_by(payout_id=payout_id)) or 0


def test_journey_the_creator_cannot_approve_their_own_payout(
        signed_in, make_user, make_payout) -> None:
    # Max creates payouts too (operator and manager): his own payout is not his to approve.
    max_ = make_user("max", Role.OPERATOR, Role.MANAGER)
    own = make_payout(max_)
    fingerprint = fingerprint_of(own)
    page = signed_in("max")
    page.goto(f"/payouts/{own.id}")
    expect(page.locator("#payout-status [data-status]")).to_have_attribute(
        "data-status", S.AWAITING_APPROVAL.value)
    expect(page.locator("#decide")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve and pay")).to_have_count(0)

    answer = page.request.post(f"/approvals/{own.id}/approve", form={
        "csrf_token": csrf_token(page), "fingerprint": fingerprint})
    assert answer.ok  # redirected back to the payout, with the refusal shown
    assert "flash-error" in answer.text()
    assert status_of(own.id) == S.AWAITING_APPROVAL and approvals_of(own.id) == 0


def test_journey_an_operator_cannot_approve_another_operators_payout(
        signed_in, make_user, make_payout) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("oleg", Role.OPERATOR)
    page = signed_in("oleg")
    page.goto(f"/payouts/{payout.id}")
    expect(page.get_by_role("button", name="Approve and pay")).to_have_count(0)
    answer = page.request.post(f"/approvals/{payout.id}/approve", form={
        "csrf_token": csrf_token(page), "fingerprint": fingerprint_of(payout)})
    assert answer.status == 403
    assert status_of(payout.id) == S.AWAITING_APPROVAL and approvals_of(payout.id) == 0


def test_journey_a_manager_approves_and_the_page_follows_to_processed(
        signed_in, make_user, make_payout, callbacks_to, sandbox) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto(f"/payouts/{payout.id}")
    page.get_by_role("button", name="Approve and pay").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    # From here on the page must not load again: a marker on `window` would be lost.
    page.evaluate("window.stillTheSamePage = true")
    badge = page.locator("#payout-status [data-status]")
    expect(badge).to_have_attribute("data-status", S.PROCESSED.value, timeout=20_000)
    assert page.evaluate("window.stillTheSamePage === true")
    expect(page.locator("#payout-status")).not_to_have_attribute("hx-get", "/.*")
    # The status reads without colour: a symbol and a word.
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#payout-status .badge'), '::before').content"
    ) not in ("none", "normal", '""')
    expect(badge).not_to_have_text("")
    assert status_of(payout.id) == S.PROCESSED
    assert sandbox.state.invoices[payout.provider_invoice_id].status == "processed"


def test_journey_a_manager_rejects_with_a_reason_and_the_creator_reads_it(
        signed_in, make_user, make_payout) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    reason = "Account number belongs to <b>someone else</b> & was closed"
    manager = signed_in("max")
    manager.goto(f"/payouts/{payout.id}")
    manager.get_by_label("Reason for rejecting").fill(reason)
    manager.get_by_role("button", name="Reject").click()
    manager.wait_for_load_state()
    expect(manager.locator("#payout-status [data-status]")).to_have_attribute(
        "data-status", S.REJECTED.value)
    assert status_of(payout.id) == S.REJECTED

    creator = signed_in("olga")
    creator.goto("/")
    creator.goto(f"/payouts/{payout.id}")
    expect(creator.locator(".rejection-reason")).to_have_text(reason)  # as text, not markup
    expect(creator.locator(".rejection-reason b")).to_have_count(0)
    expect(creator.locator("#payout-status")).to_contain_text("max")
