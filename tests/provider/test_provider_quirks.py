"""Parsing quirks beyond the spec's samples: the live prerequest shape (hand-made fixture in
that shape), odd values, missing keys, pagination by `links.next`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from canned import Canned, CannedAdapter, spec_text

from webapp.provider import MalformedResponse, PaymegaClient
from webapp.provider.parsing import parse_invoice, parse_prerequest, parse_service_list
from webapp.provider.values import to_decimal, to_int, to_texts, unescape_regexp


def test_live_shape_prerequest(adapter: CannedAdapter, spec_client: PaymegaClient) -> None:
    adapter.add("POST", "/api/payout-prerequest",
                Canned(200, spec_text("handmade_live_prerequest")))

    result = spec_client.prerequest("EUR", Decimal("100"))

    assert (result.currency, result.test_mode, result.amount) == ("EUR", False, None)
    # "broken_service" has no currency and "also_broken" is a string: skipped, not fatal.
    assert [s.code for s in result.services] == ["iban_eur", "sepa_eur", "wallet_eur"]
    iban = result.services[0]
    assert (iban.status, iban.method) == ("available", "bank_transfer")
    assert iban.amount_min == Decimal("0.01") and str(iban.amount_min) == "0.01000000"
    assert iban.amount_max == Decimal("15000.5")
    assert iban.exchange_rate == Decimal("0.91234567")
    # weight 0 (received 2nd), "0" (4th), 1 (3rd), 2 (1st); keyless and non-object skipped.
    assert [f.key for f in iban.fields] == ["first_name", "last_name", "bic", "iban"]
    assert [(f.position, f.order) for f in iban.fields] == [(0, 1), (0, 3), (1, 2), (2, 0)]
    first_name, last_name, bic, iban_field = iban.fields
    assert iban_field.regexp == r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$"
    assert first_name.regexp == r"^[^\\/]{1,64}$"  # an escaped backslash stays escaped
    assert bic.regexp == "[A-Z0-9]{8,11}"  # single-escaped and unanchored: kept as is
    assert iban_field.hint == {"en": "International bank account number"}  # "" and null dropped
    assert iban_field.hint_for("uk") == "International bank account number"
    assert iban_field.example == "DE89370400440532013000"
    assert bic.label == {"ru": "БИК"} and bic.label_for("en") == "БИК"
    assert bic.required is False  # the string "false"
    assert last_name.label == {"en": "Last name"} and last_name.hint_for("ru") == ""
    assert last_name.type == "string"
    sepa, wallet = result.services[1], result.services[2]
    assert sepa.fields == () and sepa.amount_max == Decimal("5000")
    assert (wallet.code, wallet.fields, wallet.status) == ("wallet_eur", (), "unavailable")
    assert wallet.amount_min == Decimal(5) and wallet.amount_max is None
    assert set(result.methods) == {"bank_transfer", "sepa", "wallet"}
    assert result.methods["bank_transfer"].name == {"en": "Bank transfer"}
    assert result.methods["sepa"].name_for("uk") == "SEPA-переказ"
    assert result.methods["sepa"].name_for("ru") == "SEPA"
    assert result.methods["wallet"].name_for("en") == "Кошелёк"
    assert result.account is None


def test_snapshot_of_a_parsed_service_round_trips() -> None:
    result = parse_prerequest(json.loads(spec_text("handmade_live_prerequest")))
    service = result.services[0]
    snapshot = json.loads(json.dumps(service.to_snapshot()))
    restored = type(service).from_snapshot(snapshot)
    assert restored == service


@pytest.mark.parametrize(
    "body",
    [{}, {"data": None}, {"data": "text"}, {"errors": []}, [], "data"],
)
def test_prerequest_without_a_data_object_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponse):
        parse_prerequest(body)


def test_prerequest_with_empty_or_odd_services_is_not_fatal() -> None:
    result = parse_prerequest({"data": {"services": [{"code": "a", "currency": "USD"}, 3],
                                        "methods": ["x", {"code": "m", "name": None}]}})
    assert [s.code for s in result.services] == ["a"]
    assert result.methods["m"].name == {} and result.methods["m"].name_for("en") == "m"
    assert parse_prerequest({"data": {}}).services == ()
    assert parse_prerequest({"data": {"services": None}}).currency == ""


def test_service_list_skips_entries_without_id_or_service() -> None:
    body = {"data": [{"id": "x1", "attributes": {"service": "s1"}}, {"attributes": {}},
                     {"id": "x2"}, None, {"id": "x3", "relationships": {
                         "payout-service": {"data": {"id": "s3"}}}}]}
    assert [(s.id, s.service) for s in parse_service_list(body)] == [("x1", "s1"), ("x3", "s3")]


def test_invoice_needs_id_and_status() -> None:
    assert parse_invoice({"id": "i1"}) is None
    assert parse_invoice({"attributes": {"status": "created"}}) is None
    invoice = parse_invoice({"id": "i1", "attributes": {"status": "created", "amount": "10.50",
                                                        "created": "1597835735"}})
    assert invoice is not None and invoice.amount == Decimal("10.50")
    assert invoice.created == 1597835735 and invoice.service is None


def test_services_list_follows_links_next_without_meta_pages(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    def page(number: int, following: str) -> str:
        item = {"type": "payout-services", "id": f"cpos_{number}",
                "attributes": {"service": f"svc_{number}", "amount_min": "1.5"}}
        return json.dumps({"links": {"next": following}, "data": [item]})

    adapter.add("GET", "/api/payout-services",
                Canned(200, page(1, "/api/payout-services?page[number]=2&page[size]=7")),
                Canned(200, page(2, "/api/payout-services?page[number]=3&page[size]=7")),
                Canned(200, page(3, "")))
    services = spec_client.list_services(page_size=7)
    assert [s.service for s in services] == ["svc_1", "svc_2", "svc_3"]
    assert services[0].amount_min == Decimal("1.5")
    assert [s.query["page[number]"] for s in adapter.seen] == [["1"], ["2"], ["3"]]
    assert {s.query["page[size]"][0] for s in adapter.seen} == {"7"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10.00", "10.00"), ("0.01000000", "0.01000000"), (10, "10"), (0.1, "0.1"),
     (9999999.99, "9999999.99"), (" 5 ", "5"), ("", None), ("abc", None), (None, None),
     (True, None), ("NaN", None), ("Infinity", None), ({"a": 1}, None)],
)
def test_to_decimal(value: Any, expected: str | None) -> None:
    result = to_decimal(value)
    assert (None if result is None else str(result)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), ("3", 3), (2.0, 2), ("2.5", None), (None, None), ("x", None), (False, None)],
)
def test_to_int(value: Any, expected: int | None) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("^\\\\d{1,15}$", r"^\d{1,15}$"), (r"^\d+$", r"^\d+$"), ("\\\\\\\\", "\\\\"),
     ("", None), (None, None), (5, None), ("a\\", "a\\")],
)
def test_unescape_regexp(value: Any, expected: str | None) -> None:
    assert unescape_regexp(value) == expected


def test_to_texts() -> None:
    assert to_texts("Card") == {"en": "Card"}
    assert to_texts({"en": "Card", "ru": None, "uk": "", "de": 3}) == {"en": "Card"}
    assert to_texts(None) == {} and to_texts(["x"]) == {}
