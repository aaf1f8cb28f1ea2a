"""Creating a payout in the browser, with htmx and without JavaScript: a field's pattern is
broken first (the error stands beside the field, announced, nothing typed is lost), then fixed."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.steps import (
    DETAIL_URL,
    choose_test_service,
    detail_id,
    payouts,
    submit_payout_form,
    switch_language,
)
from webapp.models import PayoutStatus, Role


def break_then_fix_the_account(page: Page) -> int:
    """Fill the test service's form with an account that breaks ^\\d{1,15}$, check the error,
    fix it and submit; returns the new payout's id."""
    account = page.locator("#field__account")
    account.fill("12ab")
    page.locator("#customer_name").fill("Иван Петров")
    page.locator("#description").fill("Аванс за март")
    submit_payout_form(page)

    expect(account).to_have_attribute("aria-invalid", "true")
    error = page.locator("#field__account-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    described_by = account.get_attribute("aria-describedby") or ""
    assert "field__account-error" in described_by.split()
    # The error sits in the account's own field block, right under it.
    expect(page.locator("#field__account-wrap #field__account-error")).to_have_count(1)
    # Nothing lost: what was typed is still there, and nothing was created.
    expect(account).to_have_value("12ab")
    expect(page.locator("#customer_name")).to_have_value("Иван Петров")
    expect(page.locator("#description")).to_have_value("Аванс за март")
    assert payouts() == []

    account.fill("12345")
    submit_payout_form(page)
    page.wait_for_url(DETAIL_URL)
    expect(page.locator("#payout-status [data-status]")).to_have_attribute(
        "data-status", PayoutStatus.AWAITING_APPROVAL.value)
    return detail_id(page)


def test_journey_operator_switches_to_russian_and_creates_a_payout(
        page: Page, make_user, sandbox) -> None:
    olga = make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    switch_language(page, "ru")
    page.locator("nav a[href='/payouts/new']").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    choose_test_service(page)
    # The provider's own Russian label for the field.
    expect(page.locator("label[for=field__account]")).to_contain_text("Аккаунт")

    payout_id = break_then_fix_the_account(page)

    [created] = payouts()
    assert created.id == payout_id
    assert created.created_by_id == olga.id
    assert created.service_code == "test_usd" and created.amount == Decimal("10.00")
    assert created.customer_name == "Иван Петров"
    assert created.status_enum == PayoutStatus.AWAITING_APPROVAL
    expect(page.locator("[data-field=account]")).to_contain_text("345")
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def test_journey_operator_creates_a_payout_without_javascript(
        new_context, make_user, sandbox) -> None:
    make_user("olga", Role.OPERATOR)
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "olga")
    page.goto("/payouts/new")
    choose_test_service(page, javascript=False)
    assert "service=test_usd" in page.url  # a plain GET form chose the service
    payout_id = break_then_fix_the_account(page)
    [created] = payouts()
    assert created.id == payout_id and created.status_enum == PayoutStatus.AWAITING_APPROVAL

