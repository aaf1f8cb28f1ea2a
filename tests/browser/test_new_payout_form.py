"""The new-payout form in Chromium: what is typed is what is paid. Over-long input is an error,
never a cut; a pasted spaced card number is tidied, shown and sent; no provider field has a
`maxlength` (sandbox and live-shape services); the error summary takes focus with and without
JavaScript; a new amount keeps everything typed; the review works without JavaScript; and in
each language a SWIFT payout with one mistake per field is fixed from the messages alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.steps import DETAIL_URL, detail_id, payouts, switch_language
from webapp.models import Role
from webapp.new_payout import new_page
from webapp.payout_core.account_services import clear_account_services
from webapp.payout_core.prerequest import clear_cache
from webapp.payout_core.secrets import decrypt_fields
from webapp.provider.parsing import parse_prerequest
from webapp.sandbox import SandboxServer
from webapp.sandbox.catalogue_data import SERVICES

LIVE_SHAPE = Path(__file__).parents[1] / "fixtures" / "spec" / "live_shape_services.json"
NO_MAXLENGTH = """() => Array.from(document.querySelectorAll(
    '#payout-form input, #payout-form textarea')).filter(e => e.hasAttribute('maxlength'))
    .map(e => e.name)"""


@pytest.fixture(autouse=True)
def _fresh(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    clear_account_services()
    yield
    clear_cache()
    clear_account_services()


def open_form(page: Page, currency: str, amount: str, service: str) -> None:
    page.goto(f"/payouts/new?currency={currency}&amount={amount}&service={service}")
    expect(page.locator("#payout-form")).to_be_visible()


def test_sixteen_digits_in_a_fifteen_digit_field_is_an_error_and_nothing_is_sent(
        page: Page, make_user, sandbox: SandboxServer) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    open_form(page, "USD", "10", "test_usd")
    account = page.locator("#field__account")
    account.click()
    page.keyboard.type("1234567890123456")  # typed key by key: a maxlength would stop at 15
    expect(account).to_have_value("1234567890123456")
    page.locator("#continue-payout").click()
    error = page.locator("#field__account-error")
    expect(error).to_contain_text("Too long: 16 characters, at most 15 allowed.")
    expect(account).to_have_value("1234567890123456")  # still what was typed, not cut
    expect(page.locator("#field__account-hint")).to_contain_text("1 to 15 digits")
    page.locator("#field__account").fill(" 123456789012345")  # pasted with a leading space
    page.locator("#continue-payout").click()
    expect(page.locator("#review-form")).to_be_visible()
    sent = page.locator("#review-form input[name=field__account]")
    expect(sent).to_have_value("123456789012345")  # the space gone, no digit lost
    assert payouts() == []
    assert sandbox.state.calls["create"] == 0 and sandbox.state.newest_first() == []


def test_pasted_spaced_card_number_is_tidied_shown_and_sent(
        page: Page, make_user, sandbox: SandboxServer) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    open_form(page, "UAH", "100", "card_uah")
    card = page.locator("#field__card_number")
    expect(page.locator("#field__card_number-hint")).to_contain_text(
        "Spaces and dashes are removed")
    card.click()
    page.keyboard.insert_text("4111 1111 1111 1111")  # as a paste arrives: no key events
    expect(card).to_have_value("4111 1111 1111 1111")  # nothing cut in the browser
    page.locator("#continue-payout").click()
    facts = page.locator("#review-facts")
    expect(facts).to_contain_text("411111******1111")
    expect(facts).to_contain_text("tidied")
    page.locator("#change-payout").click()
    expect(page.locator("#field__card_number")).to_have_value("4111111111111111")  # shown
    page.locator("#continue-payout").click()
    page.locator("#create-payout").click()
    page.wait_for_url(DETAIL_URL)
    [created] = payouts()
    assert created.id == detail_id(page)
    assert decrypt_fields(created.fields_encrypted) == {"card_number": "4111111111111111"}
    [invoice] = sandbox.state.newest_first()  # the sandbox checks ^\d{16}$: it got the digits
    assert invoice.fields == {"card_number": "411111******1111"}
    assert sandbox.state.calls["create"] == 1


def test_no_maxlength_on_any_sandbox_service_field(page: Page, make_user) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    for service in SERVICES:
        open_form(page, service.currency, str(service.amount_min * 2), service.code)
        assert page.evaluate(NO_MAXLENGTH) == [], service.code


def test_no_maxlength_on_live_shape_service_fields(page: Page, make_user,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    answer = parse_prerequest(json.loads(LIVE_SHAPE.read_text()))
    monkeypatch.setattr(new_page, "fetch_prerequest", lambda currency, amount: answer)
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    assert len(answer.services) == 4
    for service in answer.services:
        open_form(page, "USD", "10", service.code)
        assert page.evaluate(NO_MAXLENGTH) == [], service.code
    open_form(page, "USD", "10", "local_bank_php")
    expect(page.locator("#field__bank_account_number-hint")).to_contain_text(
        "anywhere in the value: 5 to 100 digits")
    expect(page.locator("#service-local_bank_php-about")).to_contain_text(
        "Rate: 1 USD = 58.1235 PHP")  # six significant digits, not thirteen


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_error_summary_takes_focus_and_links_to_fields(new_context, make_user,
                                                       javascript: bool) -> None:
    make_user("olga", Role.OPERATOR)
    page = new_context(java_script_enabled=javascript).new_page()
    log_in(page, "olga")
    open_form(page, "USD", "10", "test_usd")
    page.locator("#field__account").fill("12ab")
    page.locator("#customer_email").fill("not an email")
    page.locator("#continue-payout").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#field__account']")).to_contain_text("1 to 15 digits")
    summary.locator("a[href='#customer_email']").click()
    if javascript:
        page.locator("#customer_email").focus()
    assert page.evaluate("location.hash") == "#customer_email"


def test_new_amount_keeps_the_service_and_every_typed_value(page: Page, make_user,
                                                            sandbox: SandboxServer) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    open_form(page, "USD", "10", "card_uah")
    page.locator("#field__card_number").fill("4111111111111111")
    page.locator("#customer_name").fill("Ann Lee")
    page.locator("#description").fill("March")
    page.locator("#amount").fill("1,234.50")
    page.locator("#update-amount").click()
    expect(page.locator("#payout-form input[name=checked_amount]")).to_have_value("1234.5")
    expect(page.locator("#field__card_number")).to_have_value("4111111111111111")
    expect(page.locator("#customer_name")).to_have_value("Ann Lee")
    expect(page.locator("#description")).to_have_value("March")
    expect(page.locator("#payout-form input[name=service]")).to_have_value("card_uah")
    expect(page.locator("#payout-form .error")).to_have_count(0)
    page.locator("#amount").fill("5000")  # 207,500 UAH: above card_uah's maximum
    page.locator("#update-amount").click()
    expect(page.locator("#amount-error")).to_contain_text("Too large for this service")
    expect(page.locator("#field__card_number")).to_have_value("4111111111111111")
    expect(page.locator("#payout-form .error")).to_have_count(1)
    assert sandbox.state.calls["create"] == 0


def test_review_and_create_without_javascript(new_context, make_user,
                                              sandbox: SandboxServer) -> None:
    make_user("olga", Role.OPERATOR)
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "olga")
    open_form(page, "USD", "10", "test_usd")
    page.locator("#field__account").fill("12345")
    page.locator("#continue-payout").click()
    expect(page.locator("#review-form")).to_be_visible()
    expect(page.locator("#review-heading")).to_be_focused()
    assert payouts() == []
    page.locator("#create-payout").dblclick()  # an impatient double click
    page.wait_for_url(DETAIL_URL)
    assert len(payouts()) == 1 and sandbox.state.calls["create"] == 1


# Each field has one mistake; the message alone says how to fix it. (message words, fix)
SWIFT_MISTAKES = {
    "account_number": ("GB12", "GB12345678"),
    "beneficiary_name": ("Иван Петров", "Ivan Petrov"),
    "beneficiary_address": ("Kyiv", "1 Khreshchatyk, Kyiv"),
    "bank_swift": ("DEUT", "deutdeff"),
    "bank_name": ("X", "Deutsche Bank"),
}
EXPECTED_WORDS = {
    "en": {"account_number": "6 to 34 characters", "beneficiary_name": "Latin letter",
           "beneficiary_address": "5 to 140 characters", "bank_swift": "6 capital Latin letters",
           "bank_name": "2 to 100 characters"},
    "ru": {"account_number": "от 6 до 34 символов", "beneficiary_name": "латинская буква",
           "beneficiary_address": "от 5 до 140 символов",
           "bank_swift": "6 заглавных латинских букв", "bank_name": "от 2 до 100 символов"},
    "uk": {"account_number": "від 6 до 34 символів", "beneficiary_name": "латинська літера",
           "beneficiary_address": "від 5 до 140 символів",
           "bank_swift": "6 великих латинських літер", "bank_name": "від 2 до 100 символів"},
}


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_journey_swift_payout_with_one_mistake_per_field(page: Page, make_user,
                                                         sandbox: SandboxServer,
                                                         language: str) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    if language != "en":
        switch_language(page, language)
    open_form(page, "GBP", "100", "swift_gbp")
    for key, (wrong, _right) in SWIFT_MISTAKES.items():
        page.locator(f"#field__{key}").fill(wrong)
    page.locator("#continue-payout").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    for key, words in EXPECTED_WORDS[language].items():
        message = page.locator(f"#field__{key}-error")
        expect(message).to_contain_text(words)
        expect(summary.locator(f"a[href='#field__{key}']")).to_contain_text(words)
    assert payouts() == []
    for key, (_wrong, right) in SWIFT_MISTAKES.items():
        page.locator(f"#field__{key}").fill(right)
    page.locator("#continue-payout").click()
    facts = page.locator("#review-facts")
    expect(facts).to_contain_text("DEUTDEFF")  # upper-cased, as the hint announced
    page.locator("#create-payout").click()
    page.wait_for_url(DETAIL_URL)
    [created] = payouts()
    assert created.amount == Decimal("100.00") and created.currency == "GBP"
    sent = decrypt_fields(created.fields_encrypted)
    assert sent["bank_swift"] == "DEUTDEFF" and sent["account_number"] == "GB12345678"
    assert re.fullmatch(r"[A-Za-z][A-Za-z .'\-]+", sent["beneficiary_name"])
    assert sandbox.state.calls["create"] == 1


def test_service_search_as_you_type_keeps_focus(page: Page, make_user) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")
    page.goto("/payouts/new?currency=USD&amount=10")
    search = page.locator("#service-search")
    search.click()
    page.keyboard.type("vouch")
    expect(page.locator("input[name=service]")).to_have_count(1)
    expect(page.locator("input[name=service]")).to_have_value("voucher_eur")
    expect(page.locator("#service-search")).to_be_focused()
    expect(page.locator("#service-search-hint")).to_contain_text("Showing 1 of 10.")


def test_duplicate_warning_in_the_browser(page: Page, make_user, sandbox: SandboxServer) -> None:
    make_user("olga", Role.OPERATOR)
    log_in(page, "olga")

    def fill_and_continue() -> None:
        open_form(page, "UAH", "100", "card_uah")
        page.locator("#field__card_number").fill("4111111111111111")
        page.locator("#continue-payout").click()
        expect(page.locator("#review-form")).to_be_visible()

    fill_and_continue()
    page.locator("#create-payout").click()
    page.wait_for_url(DETAIL_URL)
    first = detail_id(page)
    fill_and_continue()
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("This may be a duplicate.")
    expect(warning.locator(f"a[href='/payouts/{first}']")).to_be_visible()
    page.locator("#create-payout").click()  # not confirmed: refused, summary focused
    expect(page.locator("#error-summary")).to_be_focused()
    assert len(payouts()) == 1
    page.locator("#confirm_duplicate").check()
    page.locator("#duplicate_reason").fill("Second part of the March payment")
    page.locator("#create-payout").click()
    page.wait_for_url(DETAIL_URL)
    assert len(payouts()) == 2 and sandbox.state.calls["create"] == 2
    expect(page.locator("[data-kind=duplicate_confirmed]")).to_contain_text(
        "Second part of the March payment")
