"""The client against the spec's own JSON samples (tests/fixtures/spec/*.json, copied verbatim),
served through a requests transport adapter: what it sends and every value it parses."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from canned import (
    ACCOUNT_ID,
    PUBLIC_KEY,
    SECRET_KEY,
    Canned,
    CannedAdapter,
    spec_json,
    spec_text,
)

from webapp.provider import PaymegaClient
from webapp.provider.types import Customer, InvoiceRequest

AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_ID}:{SECRET_KEY}".encode()).decode()
INVOICE_ID = "cpoi_VdHYVxq4RsLEebAQ"


def test_prerequest_sends_the_spec_request_and_finds_methods_inside_services(
    adapter: CannedAdapter, make_client: Callable[..., PaymegaClient]
) -> None:
    spec_request = spec_json("prerequest_request")
    client = make_client(public_key=spec_request["public_key"])
    adapter.add("POST", "/api/payout-prerequest", Canned(200, spec_text("prerequest_response")))

    result = client.prerequest("USD", Decimal("10"))

    sent = adapter.seen[0]
    assert sent.json() == spec_request
    assert b'"amount":10,' in (sent.body or b"")
    assert sent.headers["Content-Type"] == "application/json"
    assert "Authorization" not in sent.headers  # public API: the key is in the body
    assert (result.currency, result.amount, result.test_mode) == ("USD", Decimal(10), True)
    assert [s.code for s in result.services] == ["test_usd"]  # not "methods", not "account"
    assert result.account is not None and result.account["name"] == "4Docs"
    assert list(result.methods) == ["test"]
    method = result.methods["test"]
    assert (method.name, method.category) == ({"en": "Test", "ru": "Test", "uk": "Test"},
                                              "alternative")
    assert method.icon == "https://static.openfintech.io/payout_methods/test/icon.svg"

    service = result.service("test_usd")
    assert service is not None
    assert (service.method, service.currency) == ("test", "USD")
    assert service.amount == Decimal("10.00") and str(service.amount) == "10.00"
    assert service.amount_min == Decimal("0.01") and str(service.amount_min) == "0.01"
    assert service.amount_max == Decimal("9999999")
    assert service.exchange_rate == Decimal(1)
    assert service.fee is None and service.status is None
    keys = [f.key for f in service.fields]
    assert keys == ["account", "test_details_success_rate", "test_details_payout_status",
                    "test_details_payout_resolution"]
    assert [f.order for f in service.fields] == [0, 1, 2, 3]
    assert [f.position for f in service.fields] == [0, 0, 0, 0]
    assert [f.required for f in service.fields] == [True, False, False, False]
    assert [f.regexp for f in service.fields] == [
        r"^\d{1,15}$", r"^\d{1,15}$", r"^[A-Z\-\sa-z]{2,64}$", r"^[A-Z\-\sa-z]{2,64}$"]
    account = service.fields[0]
    assert account.label == {"ru": "Аккаунт", "en": "Account", "uk": "Акаунт"}
    assert account.label_for("uk") == "Акаунт" and account.hint_for("en") == "Account"
    assert account.example is None and account.type == "string"
    assert re.fullmatch(account.regexp or "", "123456789012345")
    assert not re.search(account.regexp or "", "12a")
    assert re.search(service.fields[2].regexp or "", "Processed OK")


def test_prerequest_amount_keeps_its_exact_decimal_text(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("POST", "/api/payout-prerequest", Canned(200, spec_text("prerequest_response")))
    spec_client.prerequest("USD", Decimal("1234567890.12345678"))
    spec_client.prerequest("USD", Decimal("0.10"))
    assert b'"amount":1234567890.12345678,' in (adapter.seen[0].body or b"")
    assert b'"amount":0.10,' in (adapter.seen[1].body or b"")
    assert adapter.seen[0].json()["public_key"] == PUBLIC_KEY


def test_services_list_follows_meta_pages_with_basic_auth(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("GET", "/api/payout-services", Canned(200, spec_text("services_list")))

    services = spec_client.list_services()

    assert [s.query["page[number]"] for s in adapter.seen] == [[str(n)] for n in range(1, 10)]
    assert {s.query["page[size]"][0] for s in adapter.seen} == {"20"}
    assert {s.headers["Authorization"] for s in adapter.seen} == {AUTH}
    assert len(services) == 18  # the sample's 2 items on each of its 9 pages
    swift, zar = services[0], services[1]
    assert (swift.id, swift.service, swift.method) == ("comcpos_RHUGUgEnmmedR7h3", "swift_jpy",
                                                       "swift")
    assert (swift.service_currency, swift.currency) == ("JPY", "GBP")
    assert (swift.available, swift.active, swift.enabled, swift.test_mode) == (
        True, False, True, True)
    assert (swift.amount_min, swift.amount_max) == (Decimal(1), Decimal(999999))
    assert (swift.fee_min, swift.fee_max, swift.fee_rate, swift.fee_fix) == (
        Decimal(0), Decimal(0), Decimal(0), Decimal(0))
    # The second item has no `links` and no payout-service relationship.
    assert (zar.id, zar.service, zar.method) == ("comcpos_giKmqeYwcuWV4QSt",
                                                 "bank_transfer_zar", "bank_transfer")
    assert zar.amount_min == Decimal("0.01") and zar.amount_max == Decimal(1000000)


def test_get_service_by_id(adapter: CannedAdapter, spec_client: PaymegaClient) -> None:
    adapter.add("GET", "/api/payout-services/comcpos_RHUGUgEnmmedR7h3",
                Canned(200, spec_text("service_by_id")))
    service = spec_client.get_service("comcpos_RHUGUgEnmmedR7h3")
    assert adapter.seen[0].headers["Authorization"] == AUTH
    assert (service.id, service.service, service.method, service.service_currency) == (
        "comcpos_RHUGUgEnmmedR7h3", "swift_jpy", "swift", "JPY")
    assert service.raw["links"]["self"] == "/api/payout-services/comcpos_RHUGUgEnmmedR7h3"


def _spec_invoice_request() -> InvoiceRequest:
    attrs = spec_json("invoice_create_request")["data"]["attributes"]
    customer = attrs["customer"]
    return InvoiceRequest(
        reference_id=attrs["reference_id"], service=attrs["service"],
        currency=attrs["currency"], amount=Decimal(str(attrs["amount"])),
        fields=attrs["fields"], callback_url=attrs["callback_url"],
        customer=Customer(reference_id=customer["reference_id"], name=customer["name"],
                          email=customer["email"], metadata=customer["metadata"]),
        metadata=attrs["metadata"],
    )


def test_create_invoice_sends_the_spec_shape_and_parses_the_answer(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("POST", "/api/payout-invoices",
                Canned(201, spec_text("invoice_create_response")))

    invoice = spec_client.create_invoice(_spec_invoice_request())

    expected = copy.deepcopy(spec_json("invoice_create_request"))
    expected["data"]["attributes"]["options"] = {"auto_process": False}  # the only option sent
    sent = adapter.seen[0]
    assert sent.json() == expected
    assert sent.headers["Authorization"] == AUTH
    assert (invoice.id, invoice.status, invoice.resolution) == (INVOICE_ID, "created", "ok")
    assert (invoice.amount, invoice.payout_amount, invoice.fee) == (
        Decimal(10), Decimal(10), Decimal(0))
    assert invoice.reference_id == "ada8c01f-f5d4-4037-88f1-d222ee6497ad"
    assert (invoice.service, invoice.service_method) == ("card", "payment_card")
    assert (invoice.created, invoice.updated, invoice.processed) == (1597835735, 1597835735,
                                                                    None)
    assert invoice.processed_amount is None and invoice.test_mode is True
    assert invoice.fields == {"card_number": "512381******0000"}
    assert invoice.raw["links"]["self"] == f"/api/payout-invoices/{INVOICE_ID}"


def test_create_invoice_sends_a_decimal_amount_as_an_exact_number(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("POST", "/api/payout-invoices",
                Canned(201, spec_text("invoice_create_response")))
    request = InvoiceRequest(reference_id="r-1", service="card", currency="USD",
                             amount=Decimal("1000000.55"), fields={"card_number": "1"},
                             description="Rent, May")
    spec_client.create_invoice(request)
    body = adapter.seen[0].body or b""
    assert b'"amount":1000000.55,' in body
    attrs = json.loads(body, parse_float=Decimal)["data"]["attributes"]
    assert attrs["description"] == "Rent, May"
    assert "customer" not in attrs and "metadata" not in attrs and "callback_url" not in attrs


def test_process_invoice_posts_to_the_process_endpoint(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("POST", f"/api/payout-invoices/{INVOICE_ID}/process",
                Canned(200, spec_text("invoice_process_response")))
    invoice = spec_client.process_invoice(INVOICE_ID)
    assert adapter.seen[0].headers["Authorization"] == AUTH
    assert adapter.seen[0].body is None
    assert (invoice.id, invoice.status, invoice.service) == (INVOICE_ID, "created", "card")


def test_public_get_reads_the_flat_shape_without_basic_auth(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("GET", f"/api/payout-invoices/{INVOICE_ID}",
                Canned(200, spec_text("invoice_public_get")))
    invoice = spec_client.get_invoice(INVOICE_ID, public=True)
    sent = adapter.seen[0]
    assert sent.query == {"public_key": [PUBLIC_KEY]}
    assert "Authorization" not in sent.headers
    assert (invoice.status, invoice.resolution, invoice.currency) == ("processed", "ok", "USD")
    assert (invoice.service, invoice.service_method) == ("card", "payment_card")
    assert (invoice.created, invoice.processed) == (1597835735, 1597835933)
    assert invoice.processed_amount == Decimal(10) and invoice.reference_id is None


def test_private_get_reads_the_json_api_resource(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("GET", f"/api/payout-invoices/{INVOICE_ID}",
                Canned(200, spec_text("invoice_private_get")))
    invoice = spec_client.get_invoice(INVOICE_ID)
    assert adapter.seen[0].headers["Authorization"] == AUTH and adapter.seen[0].query == {}
    assert (invoice.status, invoice.updated, invoice.processed) == ("processed", 1597835933,
                                                                   1597835933)
    assert invoice.processed_amount == Decimal(10)


@pytest.mark.parametrize(
    ("sample", "reference", "expected_id"),
    [
        ("invoice_private_get", "ada8c01f-f5d4-4037-88f1-d222ee6497ad", INVOICE_ID),
        ("invoice_private_get", "another-reference", None),
        ("invoice_list", "a5c22bfb-04c1-4dbf-8b46-9753bf1f6570", "cpoi_O2aH69xK7mgwZUK1"),
        ("invoice_list", "1c005c55-d345-4eef-960b-bd8db14256b2", "cpoi_S1zoJnT8x4iZ4oPr"),
        ("invoice_list", "not-in-the-list", None),
    ],
)
def test_find_by_reference_takes_the_matching_item(
    adapter: CannedAdapter, spec_client: PaymegaClient, sample: str, reference: str,
    expected_id: str | None,
) -> None:
    adapter.add("GET", "/api/payout-invoices", Canned(200, spec_text(sample)))
    found = spec_client.find_invoice_by_reference(reference)
    assert adapter.seen[0].query == {"filter[reference_id]": [reference]}
    assert (found.id if found else None) == expected_id


def test_find_by_reference_public_and_not_found(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("GET", "/api/payout-invoices", Canned(200, spec_text("invoice_public_get")),
                Canned(404, spec_text("error_404")))
    found = spec_client.find_invoice_by_reference("ref-1", public=True)
    assert found is not None and found.id == INVOICE_ID  # the flat view names no reference
    assert adapter.seen[0].query == {"filter[reference_id]": ["ref-1"],
                                     "public_key": [PUBLIC_KEY]}
    assert "Authorization" not in adapter.seen[0].headers
    assert spec_client.find_invoice_by_reference("ref-2") is None
    assert len(adapter.seen) == 2  # a 404 is an answer, not retried


def test_list_invoices_reads_meta_and_sends_cursors(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("GET", "/api/payout-invoices", Canned(200, spec_text("invoice_list")))
    page = spec_client.list_invoices(after="cpoi_S1zoJnT8x4iZ4oPr", size=20)
    spec_client.list_invoices(before="cpoi_WSvqrC4BztUHs5Ji", size=5)
    assert adapter.seen[0].query == {"page[size]": ["20"], "page[after]": ["cpoi_S1zoJnT8x4iZ4oPr"]}
    assert adapter.seen[1].query == {"page[size]": ["5"], "page[before]": ["cpoi_WSvqrC4BztUHs5Ji"]}
    assert (page.count, page.size, page.before, page.after) == (
        5, 20, "cpoi_WSvqrC4BztUHs5Ji", "cpoi_S1zoJnT8x4iZ4oPr")
    assert [i.id for i in page.invoices] == ["cpoi_S1zoJnT8x4iZ4oPr", "cpoi_O2aH69xK7mgwZUK1"]
    assert [i.status for i in page.invoices] == ["created", "processed"]
    assert page.invoices[1].processed == 1595854491
