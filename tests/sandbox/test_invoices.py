"""Creating, processing and reading invoices, with the provider's validation and conflicts."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from webapp.sandbox import SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")
PK = "pk_test_sandbox"


def test_create_answers_the_private_resource(created: Callable[..., dict[str, Any]]) -> None:
    invoice = created("ref-create", service="card_uah", fields={"card_number": "5123817234060000"},
                      callback_url="https://example.test/hook", description="rent",
                      metadata={"k": "v", "n": 1.5},
                      customer={"reference_id": "cust-1", "name": "Ann"})
    assert invoice["type"] == "payout-invoices"
    assert re.fullmatch(r"cpoi_[A-Za-z0-9]{16}", invoice["id"])
    attributes = invoice["attributes"]
    assert attributes["serial_number"] == invoice["id"].removeprefix("cpoi_")
    assert (attributes["status"], attributes["resolution"]) == ("created", "ok")
    assert (attributes["amount"], attributes["currency"]) == (10, "USD")
    assert (attributes["service_currency"], attributes["service_amount"]) == ("UAH", 415)
    assert attributes["exchange_rate"] == 41.5
    assert attributes["fields"] == {"card_number": "512381******0000"}
    assert attributes["reference_id"] == "ref-create" and attributes["test_mode"] is True
    assert attributes["processed"] is None and attributes["processed_amount"] is None
    assert attributes["created"] == attributes["updated"]
    assert (attributes["description"], attributes["metadata"]) == ("rent", {"k": "v", "n": 1.5})
    assert attributes["callback_url"] == "https://example.test/hook"
    assert attributes["callback_logs"] == []
    relationships = invoice["relationships"]
    assert relationships["payout-service"]["data"]["id"] == "card_uah"
    assert relationships["payout-method"]["data"]["id"] == "payment_card"
    assert relationships["customer"]["data"]["id"].startswith("cus_")
    assert invoice["links"] == {"self": f"/payout-invoices/{invoice['id']}"}


def test_repeated_reference_is_409_with_the_existing_invoice(
        sb: SandboxServer, create: Callable[..., requests.Response]) -> None:
    first = create("ref-dup").json()["data"]
    again = create("ref-dup", amount=20)
    assert again.status_code == 409
    assert again.json() == {
        "errors": [{"status": "Conflict", "code": "409", "title": "Duplicate reference_id"}],
        "data": first}
    stats = sb.state.stats()
    assert stats["create_requests"]["ref-dup"] == 2
    assert stats["invoices_stored"]["ref-dup"] == 1


def test_racing_creates_store_one_invoice(sb: SandboxServer,
                                          create: Callable[..., requests.Response]) -> None:
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: create("ref-race").status_code, range(8)))
    assert codes == [201] + [409] * 7
    assert sb.state.stats()["invoices_stored"] == {"ref-race": 1}


@pytest.mark.parametrize(("kwargs", "errors"), [
    ({"amount": 0}, {"amount": "This value should be greater than 0."}),
    ({"amount": "-5"}, {"amount": "This value should be greater than 0."}),
    ({"service": "nope"}, {"service": "This value is not valid."}),
    ({"currency": "XYZ"}, {"currency": "This value is not a valid currency."}),
    ({"service": "card_uah", "amount": "0.10", "fields": {"card_number": "4111111111111111"}},
     {"amount": "This value should be between 10.00 and 150000.00 UAH."}),
    ({"service": "card_uah", "fields": {}},
     {"fields.card_number": "This value should not be blank."}),
    ({"service": "card_uah", "fields": {"card_number": "4111 1111"}},
     {"fields.card_number": "This value is not valid."}),
    ({"fields": {"account": "12a"}}, {"fields.account": "This value is not valid."}),
    ({"service": "ewallet_usd", "fields": {"account": "1234"}},
     {"fields.account": "This value is not valid."}),
    ({"service": "iban_eur", "fields": {"iban": "DE89370400440532013000"}},
     {"fields.beneficiary_name": "This value should not be blank."}),
    ({"service": "swift_gbp", "amount": 100, "fields": {}},
     {f"fields.{k}": "This value should not be blank." for k in (
         "account_number", "beneficiary_name", "beneficiary_address", "bank_swift", "bank_name")}),
    ({"amount": 0, "fields": {}, "callback_url": "ftp://x", "customer": {"name": "no ref"}},
     {"amount": "This value should be greater than 0.",
      "fields.account": "This value should not be blank.",
      "callback_url": "This value is not a valid URL.",
      "customer.reference_id": "This value should not be blank."}),
])
def test_validation_errors_are_422_by_field_path(
        sb: SandboxServer, create: Callable[..., requests.Response], kwargs: dict[str, Any],
        errors: dict[str, str]) -> None:
    answer = create("ref-invalid", **kwargs)
    assert answer.status_code == 422
    assert answer.json() == {"errors": errors}
    assert sb.state.stats()["invoices"] == 0


@pytest.mark.parametrize(("service", "fields"), [
    ("ewallet_usd", {"account": "ab12345"}),  # unanchored pattern: found inside the value
    ("voucher_eur", {}),
    ("bank_transfer_jpy", {"bank_code": "0001", "branch_code": "123", "account_number": "1234567"}),
    ("iban_eur", {"iban": "DE89370400440532013000", "beneficiary_name": "Anna Schmidt"}),
])
def test_valid_fields_are_accepted(created: Callable[..., dict[str, Any]], service: str,
                                   fields: dict[str, str]) -> None:
    assert created(service=service, fields=fields)["attributes"]["status"] == "created"


def test_missing_body_is_422(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.post(f"{sb.url}/payout-invoices", data="nope", auth=AUTH, timeout=5)
    assert (answer.status_code, answer.json()) == (
        422, {"errors": {"data": "This value should not be blank."}})


def test_process_once(sb: SandboxServer, http: requests.Session,
                      created: Callable[..., dict[str, Any]]) -> None:
    invoice = created("ref-process")
    url = f"{sb.url}/payout-invoices/{invoice['id']}/process"
    first = http.post(url, auth=AUTH, timeout=5)
    assert first.status_code == 200
    assert first.json()["data"]["attributes"]["status"] == "processing"
    assert first.json()["data"]["attributes"]["updated"] > invoice["attributes"]["updated"]
    second = http.post(url, auth=AUTH, timeout=5)
    assert second.status_code == 409
    body = second.json()
    assert body["errors"][0]["code"] == "409" and body["data"]["id"] == invoice["id"]
    stats = sb.state.stats()
    assert stats["process_requests"][invoice["id"]] == 2
    assert stats["process_accepted"][invoice["id"]] == 1


def test_racing_process_calls_accept_one(sb: SandboxServer, http: requests.Session,
                                         created: Callable[..., dict[str, Any]]) -> None:
    invoice_id = created("ref-process-race")["id"]
    url = f"{sb.url}/payout-invoices/{invoice_id}/process"
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: requests.post(url, auth=AUTH, timeout=5).status_code,
                                range(8)))
    assert codes == [200] + [409] * 7
    assert sb.state.stats()["process_accepted"] == {invoice_id: 1}


def test_process_unknown_is_404(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.post(f"{sb.url}/payout-invoices/cpoi_unknown/process", auth=AUTH, timeout=5)
    assert answer.status_code == 404


def test_get_private_and_public(sb: SandboxServer, http: requests.Session,
                                created: Callable[..., dict[str, Any]]) -> None:
    invoice = created("ref-get")
    private = http.get(f"{sb.url}/payout-invoices/{invoice['id']}", auth=AUTH, timeout=5)
    assert private.json() == {"data": invoice}
    public = http.get(f"{sb.url}/payout-invoices/{invoice['id']}",
                      params={"public_key": PK}, timeout=5).json()["data"]
    assert public == {
        "id": invoice["id"], "serial_number": invoice["attributes"]["serial_number"],
        "created": invoice["attributes"]["created"], "status": "created", "resolution": "ok",
        "test_mode": True, "currency": "USD", "amount": 10, "payout_amount": 10,
        "service": "test_usd", "service_amount": 10, "service_payout_amount": 10,
        "service_method": "test", "service_currency": "USD", "processed": None,
        "processed_amount": None}
    missing = http.get(f"{sb.url}/payout-invoices/cpoi_missing", auth=AUTH, timeout=5)
    assert (missing.status_code, missing.json()) == (
        404, {"errors": [{"status": "Not Found", "code": "404"}]})
    assert sb.state.stats()["get_requests"][invoice["id"]] == 2


@pytest.mark.parametrize("public", [False, True])
def test_find_by_reference(sb: SandboxServer, http: requests.Session,
                           created: Callable[..., dict[str, Any]], public: bool) -> None:
    invoice = created("ref-find")
    auth, params = (None, {"public_key": PK}) if public else (AUTH, {})
    found = http.get(f"{sb.url}/payout-invoices", auth=auth, timeout=5,
                     params={"filter[reference_id]": "ref-find", **params})
    assert found.status_code == 200
    data = found.json()["data"]
    assert data["id"] == invoice["id"]
    assert ("type" not in data) if public else (data == invoice)
    absent = http.get(f"{sb.url}/payout-invoices", auth=auth, timeout=5,
                      params={"filter[reference_id]": "ref-absent", **params})
    assert (absent.status_code, absent.json()) == (
        404, {"errors": [{"status": "Not Found", "code": "404"}]})
    assert sb.state.stats()["find_requests"] == {"ref-find": 1, "ref-absent": 1}
