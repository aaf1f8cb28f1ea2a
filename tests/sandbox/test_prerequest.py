"""`POST /payout-prerequest` in the spec's shape (with its quirks) and the live shape."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import requests

from webapp.sandbox import SandboxServer

PK = "pk_test_sandbox"


def ask(sb: SandboxServer, http: requests.Session, currency: Any = "USD", amount: Any = 10,
        **extra: Any) -> requests.Response:
    body = {"currency": currency, "amount": amount, "public_key": PK, **extra}
    return http.post(f"{sb.url}/payout-prerequest", json=body, timeout=5)


def real_services(services: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in services.items() if k not in ("methods", "account")}


def test_spec_shape_with_its_quirks(sb: SandboxServer, http: requests.Session) -> None:
    answer = ask(sb, http)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert (data["currency"], data["amount"], data["test_mode"]) == ("USD", 10, True)
    services = data["services"]
    # `methods` and `account` sit inside `services`, beside the real services.
    assert set(services["methods"]) == {s["method"] for s in real_services(services).values()}
    assert services["methods"]["test"]["name"] == {"en": "Test", "ru": "Test", "uk": "Test"}
    assert services["account"]["name"]
    test_usd = services["test_usd"]
    assert [f["key"] for f in test_usd["fields"]] == [
        "account", "test_details_success_rate", "test_details_payout_status",
        "test_details_payout_resolution"]
    assert test_usd["fields"][0]["label"] == {"ru": "Аккаунт", "en": "Account", "uk": "Акаунт"}
    assert {f["position"] for f in test_usd["fields"]} == {0}
    assert test_usd["amount"] == "10.00"
    assert (test_usd["amount_min"], test_usd["amount_max"], test_usd["exchange_rate"]) == (
        0.01, 9999999, 1)
    # Regexps are escaped twice in the JSON text itself.
    assert r'"regexp": "^\\\\d{1,15}$"' in answer.text
    assert test_usd["fields"][0]["regexp"] == "^\\\\d{1,15}$"


def test_amounts_are_converted_to_the_service_currency(sb: SandboxServer,
                                                       http: requests.Session) -> None:
    services = ask(sb, http, amount="10.00").json()["data"]["services"]
    assert (services["card_uah"]["amount"], services["card_uah"]["exchange_rate"]) == (
        "415.00", 41.5)
    assert services["bank_transfer_jpy"]["amount"] == "1500"
    assert services["bitcoin_btc"]["amount"] == "0.00016000"
    assert Decimal(str(services["iban_eur"]["exchange_rate"])) == Decimal("0.92")


@pytest.mark.parametrize(("currency", "amount", "present", "absent"), [
    ("USD", "0.10", {"test_usd"}, {"card_uah", "bitcoin_btc", "ewallet_usd"}),
    ("USD", 1, {"card_uah", "ewallet_usd"}, {"bitcoin_btc", "swift_gbp"}),
    ("USD", 100, {"bitcoin_btc", "swift_gbp", "voucher_eur"}, set()),
    ("USD", 5500, {"iban_eur", "swift_gbp"}, {"ewallet_usd", "voucher_eur", "card_uah"}),
    ("USD", 200000, {"test_usd"}, {"card_uah", "iban_eur"}),
    ("UAH", 100, {"card_uah", "ewallet_usd"}, {"bitcoin_btc"}),
    ("BTC", "0.1", {"bitcoin_btc", "test_usd"}, {"voucher_eur"}),
])
def test_services_are_filtered_by_converted_amount(sb: SandboxServer, http: requests.Session,
                                                  currency: str, amount: Any,
                                                  present: set[str], absent: set[str]) -> None:
    listed = set(real_services(ask(sb, http, currency, amount).json()["data"]["services"]))
    assert present <= listed
    assert not absent & listed


def test_catalogue_quirks_are_served(sb: SandboxServer, http: requests.Session) -> None:
    services = ask(sb, http, amount=100).json()["data"]["services"]
    sbp = services["sbp_rub"]
    assert all("weight" in f and "position" not in f for f in sbp["fields"])
    weights = [f["weight"] for f in sbp["fields"]]
    assert weights != sorted(weights)
    assert re.search(r"^\[0-9\]", services["ewallet_usd"]["fields"][0]["regexp"])
    assert "uk" not in services["mobile_kzt"]["fields"][0]["label"]
    assert services["voucher_eur"]["fields"] == []
    assert isinstance(services["methods"]["bitcoin"]["name"], str)
    assert len([f for f in services["swift_gbp"]["fields"] if f["required"]]) >= 4


@pytest.mark.parametrize("how", ["body", "query"])
def test_live_shape(sb: SandboxServer, http: requests.Session, how: str) -> None:
    body = {"currency": "USD", "amount": 10, "public_key": PK}
    if how == "body":
        answer = http.post(f"{sb.url}/payout-prerequest", json={**body, "shape": "live"},
                           timeout=5)
    else:
        answer = http.post(f"{sb.url}/payout-prerequest?shape=live", json=body, timeout=5)
    data = answer.json()["data"]
    assert data["type"] == "payout-prerequest"
    attributes = data["attributes"]
    assert (attributes["currency"], attributes["test_mode"]) == ("USD", True)
    services = attributes["services"]
    assert "methods" not in services and "account" not in services
    assert set(attributes["methods"]) == {s["method"] for s in services.values()}
    btc = services["bitcoin_btc"]
    assert (btc["amount_min"], btc["amount_max"], btc["status"]) == (
        "0.00010000", "5.00000000", "available")
    assert services["test_usd"]["amount_min"] == "0.01000000"
    assert all("weight" in f and "position" not in f
               for s in services.values() for f in s["fields"])


@pytest.mark.parametrize(("body", "errors"), [
    ({"amount": 10}, {"currency": "This value should not be blank."}),
    ({"currency": "XYZ", "amount": 10}, {"currency": "This value is not a valid currency."}),
    ({"currency": "USD", "amount": 0}, {"amount": "This value should be greater than 0."}),
    ({"currency": "USD", "amount": "-1"}, {"amount": "This value should be greater than 0."}),
    ({"currency": "USD", "amount": "ten"}, {"amount": "This value should be of type numeric."}),
    ({"currency": "USD"}, {"amount": "This value should not be blank."}),
])
def test_invalid_requests_get_422(sb: SandboxServer, http: requests.Session,
                                  body: dict[str, Any], errors: dict[str, str]) -> None:
    answer = http.post(f"{sb.url}/payout-prerequest", json={**body, "public_key": PK}, timeout=5)
    assert answer.status_code == 422
    assert answer.json() == {"errors": errors}
