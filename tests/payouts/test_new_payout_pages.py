"""/payouts/new over the app: the services list and the form, as full pages (JavaScript off)
and as htmx fragments, the provider's pre-request failing, and who may open the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()  # each test sees the sandbox as it is now, faults included
    yield
    clear_cache()


def page(client: FlaskClient, query: str = "", **kwargs: object) -> tuple[int, str]:
    response = client.get(f"/payouts/new{query}", **kwargs)
    assert "HX-Request" in response.headers.get("Vary", "")
    # No-break spaces (money, ru/uk digit groups) read as spaces in the assertions.
    return response.status_code, response.get_data(as_text=True).replace("\u00a0", " ")


def test_empty_page_has_the_first_step_only(operator_client: FlaskClient) -> None:
    status, html = page(operator_client)
    assert status == 200 and "<html" in html
    assert 'name="currency"' in html and 'name="amount"' in html
    assert 'hx-get="/payouts/new"' in html and 'type="submit"' in html  # works with JS off too
    assert 'name="service"' not in html


def test_services_listed_by_human_name_with_limits(operator_client: FlaskClient) -> None:
    status, html = page(operator_client, "?currency=USD&amount=10")
    assert status == 200 and "<html" in html
    assert "<strong>Test · USD</strong>" in html and "<strong>Bank card · UAH</strong>" in html
    assert 'value="test_usd"' in html and 'value="card_uah"' in html
    assert '<span class="muted service-code">card_uah</span>' in html  # the code comes second
    assert "min 10.00 UAH / max 150,000.00 UAH" in html
    assert "Rate: 1 USD = 41.5 UAH" in html
    # swift_gbp: the pre-request left it out (below its minimum); the account's list keeps it,
    # disabled, with its limits.
    swift = html[html.index('value="swift_gbp"') - 80:html.index('value="swift_gbp"') + 600]
    assert " disabled" in swift and "min £50.00 / max £250,000.00" in swift
    assert "Not offered for this amount" in swift
    assert 'id="payout-form"' not in html


def test_services_fragment_for_htmx(operator_client: FlaskClient) -> None:
    status, html = page(operator_client, "?currency=EUR&amount=20", headers=HTMX)
    assert status == 200
    assert "<html" not in html and html.lstrip().startswith('<section id="payout-services"')
    assert 'value="iban_eur"' in html and 'value="voucher_eur"' in html


def test_method_names_in_the_operator_language(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=USD&amount=10",
                   headers={"Accept-Language": "uk"})
    assert "<strong>Банківська картка · UAH</strong>" in html
    assert "<strong>E-wallet · USD</strong>" in html  # a plain-string name, shown as given
    assert "Курс: 1 USD = 41,5 UAH" in html  # rates in the locale's digits


def test_choosing_a_service_shows_its_form(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=USD&amount=10&service=test_usd")
    assert "<html" in html and 'id="payout-form"' in html
    assert re.search(r'value="test_usd"\s+aria-describedby="service-test_usd-about" checked', html)
    second = 'name="field__test_details_success_rate"'
    assert html.index('name="field__account"') < html.index(second)
    assert 'name="submission_token"' in html and 'name="csrf_token"' in html
    _, fragment = page(operator_client, "?currency=USD&amount=10&service=test_usd",
                       headers=HTMX)
    assert "<html" not in fragment and 'id="payout-form"' in fragment


def test_form_labels_in_russian(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=RUB&amount=1000&service=sbp_rub",
                   headers={**HTMX, "Accept-Language": "ru"})
    keys = ["comment", "bank_id", "phone", "full_name"]  # weight 5, 10, 20, 20 as received
    positions = [html.index(f'name="field__{k}"') for k in keys]
    assert positions == sorted(positions)
    assert "Телефон" in html and "Получатель" in html


def test_service_without_fields(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=EUR&amount=20&service=voucher_eur", headers=HTMX)
    assert "This service needs no recipient details." in html
    assert 'name="field__' not in html and 'name="customer_name"' in html


def test_service_outside_its_limits_is_disabled(operator_client: FlaskClient) -> None:
    # 1 USD is 41.50 UAH: within card_uah's limits. 0.20 USD is 8.30 UAH: below them.
    _, html = page(operator_client, "?currency=USD&amount=0.20&service=card_uah", headers=HTMX)
    assert 'id="payout-form"' not in html
    card = html[html.index('value="card_uah"'):]
    assert card[:200].count("disabled") == 1 and "min 10.00 UAH / max 150,000.00 UAH" in card[:900]
    name = card[card.index("<strong>") + 8:card.index("</strong>")]
    assert name in ("Bank card · UAH", "Payment card · UAH")  # named though left out


def test_unknown_service(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=USD&amount=10&service=nope", headers=HTMX)
    assert 'id="payout-form"' not in html and 'value="test_usd"' in html  # just the list


@pytest.mark.parametrize("amount", ["abc", "10.001", "0", ""])
def test_bad_amount_is_explained(operator_client: FlaskClient, sandbox: SandboxServer,
                                 amount: str) -> None:
    before = sandbox.state.calls["prerequest"]
    status, html = page(operator_client, f"?currency=USD&amount={amount}")
    assert status == 200
    assert 'class="error"' in html and 'aria-invalid="true"' in html
    status, fragment = page(operator_client, f"?currency=USD&amount={amount}", headers=HTMX)
    assert status == 200 and 'role="alert"' in fragment
    assert sandbox.state.calls["prerequest"] == before  # never asked the provider


def test_prerequest_failure_offers_a_retry(operator_client: FlaskClient,
                                           sandbox: SandboxServer) -> None:
    sandbox.state.inject("prerequest", "500_before", times=10)
    status, html = page(operator_client, "?currency=USD&amount=10")
    assert status == 200
    assert "did not answer with the list of services" in html and "Try again" in html
    assert 'name="amount" value="10"' in html
    sandbox.state.reset()
    _, html = page(operator_client, "?currency=USD&amount=10")
    assert 'value="test_usd"' in html  # the failure was not cached


def test_prerequest_answers_are_cached_briefly(operator_client: FlaskClient,
                                               sandbox: SandboxServer) -> None:
    before = sandbox.state.calls["prerequest"]
    for _ in range(3):
        page(operator_client, "?currency=USD&amount=10", headers=HTMX)
    page(operator_client, "?currency=USD&amount=10.00&service=test_usd", headers=HTMX)
    assert sandbox.state.calls["prerequest"] == before + 1
    page(operator_client, "?currency=USD&amount=11", headers=HTMX)
    assert sandbox.state.calls["prerequest"] == before + 2


def test_pattern_re2_cannot_check_is_announced(operator_client: FlaskClient, app: Flask,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.new_payout import new_page
    from webapp.provider.types import PayoutService, Prerequest, ServiceField

    odd = PayoutService(code="odd_usd", method="odd", currency="USD",
                        fields=(ServiceField("code", label={"en": "Code"},
                                             regexp=r"^(\d)\1$", required=True),))
    answer = Prerequest(currency="USD", amount=None, test_mode=True, services=(odd,),
                        methods={})
    monkeypatch.setattr(new_page, "fetch_prerequest", lambda currency, amount: answer)
    _, html = page(operator_client, "?currency=USD&amount=10&service=odd_usd", headers=HTMX)
    assert "format could not be checked here" in html
    assert 'name="field__code"' in html and "pattern=" not in html


@pytest.mark.parametrize("role_client", ["auditor_client", "admin_client"])
def test_only_operators_and_managers(request: pytest.FixtureRequest, role_client: str) -> None:
    client = request.getfixturevalue(role_client)
    assert client.get("/payouts/new").status_code == 403
    assert client.post("/payouts/new", data={"currency": "USD"}).status_code == 403


def test_manager_may_open_it(manager_client: FlaskClient) -> None:
    assert manager_client.get("/payouts/new?currency=USD&amount=5").status_code == 200


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/payouts/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("bank", ["iban_eur", "bank_transfer_jpy", "card_uah"], ["test_usd", "sbp_rub"]),
    ("UAH", ["card_uah"], ["iban_eur", "test_usd"]),
    ("swift_gbp", ["swift_gbp"], ["card_uah"]),
    ("bank eur", ["iban_eur"], ["bank_transfer_jpy", "card_uah"]),
])
def test_service_search_narrows_the_list(operator_client: FlaskClient, query: str,
                                         shown: list[str], hidden: list[str]) -> None:
    for headers in ({}, HTMX):
        _, html = page(operator_client, f"?currency=USD&amount=10&q={query}", headers=headers)
        for code in shown:
            assert f'value="{code}"' in html, (query, code)
        for code in hidden:
            assert f'value="{code}"' not in html, (query, code)
        assert f"Showing {len(shown)} of 10." in html


def test_search_keeps_the_chosen_service(operator_client: FlaskClient) -> None:
    _, html = page(operator_client, "?currency=USD&amount=10&service=test_usd&q=bank")
    assert 'value="test_usd"' in html and 'id="payout-form"' in html


@pytest.mark.parametrize(("language", "rate", "text"), [
    ("en", "41.5", "41.5"), ("en", "0.009457", "0.009457"), ("en", "58.12345678901", "58.1235"),
    ("en", "1234567.891", "1,234,568"), ("en", "0.000016000000001", "0.000016"),
    ("ru", "41.5", "41,5"), ("ru", "58.12345678901", "58,1235"), ("ru", "1234567.891", "1 234 568"),
    ("uk", "0.91234567", "0,912346"), ("uk", "150", "150"),
])
def test_rates_have_six_significant_digits_in_the_locale(app: Flask, language: str, rate: str,
                                                         text: str) -> None:
    from decimal import Decimal

    from flask_babel import force_locale

    from webapp.new_payout.service_list import rate_text

    with app.test_request_context(), force_locale(language):
        assert rate_text(Decimal(rate)).replace("\u00a0", " ") == text
