"""The steps after the form, without JavaScript (plain posts) and with htmx: Continue shows a
review of what will be sent and stores nothing; Change goes back with every value; a new amount
keeps the service and the typed values and re-checks only the limits; a possible duplicate needs
an explicit confirmation and a reason, which land on the timeline; the approvals queue flags
possible duplicates; currencies come from the provider's service list."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.payouts.test_new_payout_submit import form_values, payouts
from webapp.extensions import db
from webapp.models import PayoutEvent, Role
from webapp.payout_core.account_services import clear_account_services
from webapp.payout_core.prerequest import clear_cache
from webapp.payout_core.secrets import decrypt_fields
from webapp.sandbox import SandboxServer

HTMX = {"HX-Request": "true"}
CARD = "4111111111111111"


@pytest.fixture(autouse=True)
def _fresh(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    clear_account_services()
    yield
    clear_cache()
    clear_account_services()


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True).replace("\u00a0", " ")


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', html)
    assert found is not None, name
    return found.group(1)


def card_form(client: FlaskClient, **extra: str) -> dict[str, str]:
    values = form_values(client, "currency=UAH&amount=100&service=card_uah", action="continue")
    return {**values, "field__card_number": "4111 1111 1111 1111", "customer_name": "Ann Lee",
            **extra}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_continue_shows_the_review_and_stores_nothing(operator_client: FlaskClient,
                                                      sandbox: SandboxServer,
                                                      headers: dict[str, str]) -> None:
    response = operator_client.post("/payouts/new", data=card_form(operator_client),
                                    headers=headers)
    html = text(response)
    assert response.status_code == 200 and ("<html" in html) is (not headers)
    review = html[html.index('id="review-form"'):]
    assert "Check the payout before creating it" in review
    assert "100.00 UAH" in review or "₴100.00" in review
    assert "Bank card · UAH" in review and "card_uah" in review
    assert "411111******1111" in review and "4111 1111" not in review  # masked, tidied
    assert "(tidied:" in review
    assert hidden(review, "field__card_number") == CARD  # sent exactly as validated
    assert review.index('value="change"') < review.index('value="create"')  # Enter = Change
    assert payouts() == [] and sandbox.state.calls["create"] == 0


def test_review_shows_fee_and_recipient_gets_from_the_prerequest(operator_client: FlaskClient
                                                                 ) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=card_uah",
                         action="continue")
    html = text(operator_client.post("/payouts/new", data={**values,
                                                            "field__card_number": CARD}))
    gets = html[html.index('id="recipient-gets"'):][:80]
    assert "415.00 UAH" in gets or "₴415.00" in gets
    assert "1 USD = 41.5 UAH" in html


def test_create_from_the_review_and_double_submit(operator_client: FlaskClient,
                                                  sandbox: SandboxServer) -> None:
    review = text(operator_client.post("/payouts/new", data=card_form(operator_client)))
    data = {name: hidden(review, name) for name in
            ("currency", "amount", "service", "submission_token", "field__card_number",
             "customer_name", "checked_amount")}
    data["action"] = "create"
    first = operator_client.post("/payouts/new", data=data)
    second = operator_client.post("/payouts/new", data=data)
    [payout] = payouts()
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == f"/payouts/{payout.id}"
    [invoice] = sandbox.state.newest_first()
    assert sandbox.state.calls["create"] == 1
    assert payout.fields_masked == {"card_number": "411111******1111"}
    assert decrypt_fields(payout.fields_encrypted) == {"card_number": CARD}
    # The sandbox checks `^\d{16}$` before it masks: only the tidied number passes there.
    assert invoice.fields == {"card_number": "411111******1111"}


def test_change_goes_back_with_every_value(operator_client: FlaskClient) -> None:
    review = text(operator_client.post("/payouts/new", data=card_form(operator_client)))
    data = {name: hidden(review, name) for name in
            ("currency", "amount", "service", "submission_token", "field__card_number",
             "customer_name", "checked_amount")}
    html = text(operator_client.post("/payouts/new", data={**data, "action": "change"}))
    assert 'id="payout-form"' in html and 'id="review-form"' not in html
    assert f'value="{CARD}"' in html and 'value="Ann Lee"' in html
    assert 'class="error"' not in html
    assert f'value="{data["submission_token"]}"' in html  # still the same attempt


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_new_amount_keeps_service_and_values(operator_client: FlaskClient,
                                             sandbox: SandboxServer,
                                             headers: dict[str, str]) -> None:
    values = card_form(operator_client, amount="2 500,50", action="amount",
                       customer_email="ann@")  # unfinished email: not complained about
    html = text(operator_client.post("/payouts/new", data=values, headers=headers))
    form = html[html.index('id="payout-form"'):]
    assert 'value="2 500,50"' in form and 'value="4111111111111111"' in form
    assert 'value="Ann Lee"' in form and 'value="ann@"' in form
    assert 'name="service" type="hidden" value="card_uah"' in form
    assert 'name="checked_amount" value="2500.5"' in form
    assert 'class="error"' not in form and payouts() == []
    # Above the limit: the form stays, the amount says why, the values stay.
    too_much = card_form(operator_client, amount="200000", action="amount")
    html = text(operator_client.post("/payouts/new", data=too_much, headers=headers))
    form = html[html.index('id="payout-form"'):]
    amount = form[form.index('id="amount-wrap"'):][:1500]
    assert "Too large for this service: 200,000.00 UAH, the maximum is 150,000.00 UAH." in amount
    assert 'value="4111111111111111"' in form and 'value="Ann Lee"' in form
    assert form.count('class="error"') == 1
    assert sandbox.state.calls["create"] == 0


def test_failed_submit_has_a_linked_summary_that_takes_focus(operator_client: FlaskClient
                                                             ) -> None:
    values = form_values(operator_client, "currency=GBP&amount=100&service=swift_gbp",
                         action="continue")
    html = text(operator_client.post("/payouts/new", data={
        **values, "field__account_number": "gb12 34", "field__beneficiary_name": "Иван Петров",
        "field__bank_swift": "DEUT"}))
    summary = html[html.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert 'tabindex="-1"' in html[html.index('<div class="error-summary'):][:300]
    assert "autofocus" in html[html.index('<div class="error-summary'):][:300]
    assert 'href="#field__beneficiary_name"' in summary and 'href="#field__bank_swift"' in summary
    assert 'href="#field__beneficiary_address"' in summary  # required, left empty
    assert "Latin letters" in summary  # the name's format in words
    assert 'href="#field__account_number"' not in summary  # tidied to GB1234: fits


def _duplicate_pair(client: FlaskClient) -> tuple[str, dict[str, str]]:
    """Create one card payout through the review, then fill the same form again."""
    review = text(client.post("/payouts/new", data=card_form(client)))
    data = {name: hidden(review, name) for name in
            ("currency", "amount", "service", "submission_token", "field__card_number",
             "customer_name", "checked_amount")}
    assert client.post("/payouts/new", data={**data, "action": "create"}).status_code == 303
    again = card_form(client)
    return text(client.post("/payouts/new", data=again)), again


def test_duplicate_warning_needs_confirmation_and_reason(operator_client: FlaskClient,
                                                         sandbox: SandboxServer) -> None:
    review, _ = _duplicate_pair(operator_client)
    [first] = payouts()
    warning = review[review.index('id="duplicate-warning"'):]
    assert "This may be a duplicate." in warning
    assert f'href="/payouts/{first.id}"' in warning
    data = {name: hidden(review, name) for name in
            ("currency", "amount", "service", "submission_token", "field__card_number",
             "customer_name", "checked_amount")}
    refused = text(operator_client.post("/payouts/new", data={**data, "action": "create"}))
    assert 'id="review-form"' in refused and 'id="error-summary"' in refused
    assert "Confirm that this is not a duplicate" in refused
    no_reason = text(operator_client.post("/payouts/new", data={
        **data, "action": "create", "confirm_duplicate": "y"}))
    assert "Say why this payout is not a duplicate." in no_reason
    assert len(payouts()) == 1 and sandbox.state.calls["create"] == 1
    created = operator_client.post("/payouts/new", data={
        **data, "action": "create", "confirm_duplicate": "y",
        "duplicate_reason": "Second instalment of the March invoice"})
    assert created.status_code == 303
    first, second = payouts()
    [event] = db.session.scalars(db.select(PayoutEvent).filter_by(
        payout_id=second.id, kind="duplicate_confirmed"))
    assert event.details == {"reason": "Second instalment of the March invoice",
                             "duplicate_of": [first.id]}
    detail = text(operator_client.get(f"/payouts/{second.id}"))
    assert "Created despite a possible duplicate" in detail
    assert "Second instalment of the March invoice" in detail


def test_different_recipient_is_no_duplicate(operator_client: FlaskClient) -> None:
    _duplicate_pair(operator_client)
    values = card_form(operator_client, field__card_number="5500000000000004")
    html = text(operator_client.post("/payouts/new", data=values))
    assert 'id="review-form"' in html and 'id="duplicate-warning"' not in html


def test_approvals_queue_flags_possible_duplicates(operator_client: FlaskClient,
                                                   login_as, make_payout, make_user) -> None:
    creator = make_user("petra", Role.OPERATOR)
    first = make_payout(creator, fields={"account": "777"})
    second = make_payout(creator, fields={"account": "777"})
    other = make_payout(creator, fields={"account": "778"})
    manager = login_as(Role.MANAGER, username="mira")
    html = text(manager.get("/approvals/"))
    row = html[html.index(f'href="/payouts/{second.id}">{second.id}</a>'):][:400]
    assert "Possible duplicate of" in row and f'href="/payouts/{first.id}"' in row
    other_row = html[html.index(f'href="/payouts/{other.id}">{other.id}</a>'):][:200]
    assert "Possible duplicate" not in other_row


def test_currencies_come_from_the_providers_service_list(operator_client: FlaskClient,
                                                         sandbox: SandboxServer) -> None:
    html = text(operator_client.get("/payouts/new"))
    options = re.findall(r'<option[^>]*value="([A-Z]+)"', html)
    assert options[0] == "USD" and {"UAH", "BTC", "JPY", "KZT"} <= set(options)
    assert len(options) == len(set(options))
    assert sandbox.state.calls["services"] >= 1
    operator_client.get("/payouts/new")
    calls = sandbox.state.calls["services"]
    operator_client.get("/payouts/new")
    assert sandbox.state.calls["services"] == calls  # cached


def test_currencies_fall_back_to_the_configured_list(operator_client: FlaskClient, app: Flask,
                                                     sandbox: SandboxServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.state.inject("services", "500_before", times=20)
    monkeypatch.setitem(app.config, "PAYOUT_CURRENCIES", ("USD", "EUR", "CHF"))
    html = text(operator_client.get("/payouts/new"))
    options = re.findall(r'<option[^>]*value="([A-Z]+)"', html)
    assert options == ["USD", "EUR", "CHF"]


@pytest.mark.parametrize(("value", "expected"), [
    ("usd, eur,UAH", ("USD", "EUR", "UAH")), ("", None), (None, None), (["gbp"], ("GBP",)),
])
def test_configured_currency_list(value: object, expected: tuple[str, ...] | None) -> None:
    from webapp.config import Config

    assert Config(APP_MODE="testing", PAYOUT_CURRENCIES=value).resolve()[  # type: ignore[arg-type]
        "PAYOUT_CURRENCIES"] == expected


def test_configured_currency_list_refuses_nonsense() -> None:
    from webapp.config import Config, ConfigError

    with pytest.raises(ConfigError, match="PAYOUT_CURRENCIES"):
        Config(APP_MODE="testing", PAYOUT_CURRENCIES="USD, <b>").resolve()


def test_review_shows_the_providers_fee_when_given(operator_client: FlaskClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from decimal import Decimal

    from webapp.new_payout import new_page
    from webapp.provider.types import PayoutMethod, PayoutService, Prerequest, ServiceField

    card = PayoutService(code="card_eur", method="card", currency="EUR",
                         fields=(ServiceField("card_number", label={"en": "Card"},
                                              regexp=r"^\d{16}$", required=True),),
                         amount_min=Decimal(1), amount_max=Decimal(1000),
                         exchange_rate=Decimal("0.92"), amount=Decimal("9.20"),
                         fee=Decimal("0.35"), status="available")
    answer = Prerequest(currency="USD", amount=Decimal(10), test_mode=True, services=(card,),
                        methods={"card": PayoutMethod(code="card", name={"en": "Card"})})
    monkeypatch.setattr(new_page, "fetch_prerequest", lambda currency, amount: answer)
    values = form_values(operator_client, "currency=USD&amount=10&service=card_eur",
                         action="continue")
    html = text(operator_client.post("/payouts/new", data={**values,
                                                            "field__card_number": CARD}))
    review = html[html.index('id="review-facts"'):]
    assert "<dt>Fee</dt><dd>€0.35</dd>" in review
    assert '<dd id="recipient-gets">€9.20</dd>' in review
    assert "1 USD = 0.92 EUR" in review and "Card · EUR" in review


def test_duplicate_checks_decrypt_nothing(operator_client: FlaskClient, login_as, make_payout,
                                          make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeats are found by the stored keyed digest (one indexed lookup), not by decrypting
    every recent payout of the amount: with decryption broken, both checks still work."""
    from cryptography.fernet import Fernet

    creator = make_user("petra", Role.OPERATOR)
    first = make_payout(creator, fields={"account": "777"})
    second = make_payout(creator, fields={"account": "777"})
    _duplicate_pair(operator_client)
    manager = login_as(Role.MANAGER, username="mira")  # signing in decrypts a TOTP secret

    def refuse(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("a duplicate check decrypted recipient fields")

    monkeypatch.setattr(Fernet, "decrypt", refuse)
    review = text(operator_client.post("/payouts/new", data=card_form(operator_client)))
    assert 'id="duplicate-warning"' in review
    html = text(manager.get("/approvals/"))
    row = html[html.index(f'href="/payouts/{second.id}">{second.id}</a>'):][:400]
    assert "Possible duplicate of" in row and f'href="/payouts/{first.id}"' in row


def test_payouts_stored_without_a_digest_are_still_compared(
        operator_client: FlaskClient, login_as, make_payout, make_user) -> None:
    """During a rolling deploy a worker of the previous version stores payouts without the
    digest column: the review and the approvals queue still find them as repeats (read
    through the partial index of such rows and digested on the way)."""
    from webapp.models import Payout

    creator = make_user("petra", Role.OPERATOR)
    first = make_payout(creator, fields={"account": "777"})
    second = make_payout(creator, fields={"account": "777"})
    other = make_payout(creator, fields={"account": "778"})
    _duplicate_pair(operator_client)
    db.session.execute(db.update(Payout).values(recipient_digest=None))
    db.session.commit()
    review = text(operator_client.post("/payouts/new", data=card_form(operator_client)))
    assert 'id="duplicate-warning"' in review
    html = text(login_as(Role.MANAGER, username="mira").get("/approvals/"))
    row = html[html.index(f'href="/payouts/{second.id}">{second.id}</a>'):][:400]
    assert "Possible duplicate of" in row and f'href="/payouts/{first.id}"' in row
    other_row = html[html.index(f'href="/payouts/{other.id}">{other.id}</a>'):][:200]
    assert "Possible duplicate" not in other_row
