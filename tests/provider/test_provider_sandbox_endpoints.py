"""Every endpoint of the client against the loopback sandbox over real HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import requests

from webapp.provider import (
    Conflict,
    NotFound,
    PaymegaClient,
    Unauthorized,
    ValidationFailed,
)
from webapp.provider.types import Customer, Invoice, InvoiceRequest

Make = Callable[..., PaymegaClient]
FINAL = {"processed", "process_failed"}


def new_request(amount: str = "10.55", **fields: str) -> InvoiceRequest:
    return InvoiceRequest(
        reference_id=str(uuid.uuid4()), service="test_usd", currency="USD",
        amount=Decimal(amount), fields={"account": "12345", **fields},
        callback_url=None, description="Sandbox test",
        customer=Customer(reference_id="cust-1", name="Ann Smith", email="ann@example.test"),
        metadata={"desk": "tests"},
    )


def wait_final(client: PaymegaClient, invoice_id: str) -> Invoice:
    deadline = time.monotonic() + 5
    while True:
        invoice = client.get_invoice(invoice_id)
        if invoice.status in FINAL or time.monotonic() > deadline:
            return invoice
        time.sleep(0.05)


def test_prerequest_spec_shape(sandbox_client: Make) -> None:
    result = sandbox_client().prerequest("USD", Decimal("10"))
    assert (result.currency, result.amount, result.test_mode) == ("USD", Decimal(10), True)
    codes = [s.code for s in result.services]
    assert "test_usd" in codes and "methods" not in codes and "account" not in codes
    assert result.account is not None
    test_usd = result.service("test_usd")
    assert test_usd is not None and test_usd.amount == Decimal("10.00")
    assert test_usd.fields[0].regexp == r"^\d{1,15}$"
    assert {s.method for s in result.services} <= set(result.methods)
    sbp = result.service("sbp_rub")
    assert sbp is not None
    positions = [(f.position, f.order) for f in sbp.fields]
    assert positions == sorted(positions) and len({p for p, _ in positions}) > 1


def test_prerequest_live_shape(sandbox_client: Make) -> None:
    session = requests.Session()
    session.params = {"shape": "live"}  # the sandbox's switch to the live answer's shape
    result = sandbox_client(session=session).prerequest("EUR", Decimal("100"))
    assert result.currency == "EUR" and result.account is None
    iban = result.service("iban_eur")
    assert iban is not None and iban.status == "available"
    assert iban.amount == Decimal("100") and str(iban.amount) == "100.00000000"
    assert iban.fields[0].regexp == r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$"
    mobile = result.service("mobile_kzt")
    assert mobile is not None and mobile.fields[1].label_for("en") == "Оператор"
    assert {s.method for s in result.services} <= set(result.methods)


def test_prerequest_rejections(sandbox_client: Make) -> None:
    with pytest.raises(ValidationFailed) as invalid:
        sandbox_client().prerequest("XXX", Decimal("-1"))
    assert set(invalid.value.field_errors) == {"currency", "amount"}
    with pytest.raises(Unauthorized):
        sandbox_client(public_key="pk_test_wrong").prerequest("USD", Decimal("10"))


def test_list_services_reads_every_page(sandbox: Any, sandbox_client: Make) -> None:
    client = sandbox_client()
    everything = client.list_services(page_size=100)
    calls_before = sandbox.state.calls["services"]
    paged = client.list_services(page_size=3)
    assert [s.id for s in paged] == [s.id for s in everything]
    assert len({s.id for s in paged}) == len(paged) > 3
    assert sandbox.state.calls["services"] - calls_before == -(-len(paged) // 3)
    one = client.get_service(paged[1].id)
    assert one == paged[1]
    with pytest.raises(NotFound):
        client.get_service("comcpos_unknown")


def test_create_get_find_process_and_finish(sandbox: Any, sandbox_client: Make) -> None:
    client = sandbox_client(read_timeout=5.0)
    request = new_request(test_details_payout_status="processed")
    created = client.create_invoice(request)
    assert (created.status, created.reference_id, created.amount) == (
        "created", request.reference_id, Decimal("10.55"))
    assert created.service == "test_usd" and created.service_method == "test"
    assert created.raw["attributes"]["metadata"] == {"desk": "tests"}
    assert sandbox.state.counters["invoices_stored"][request.reference_id] == 1

    private = client.get_invoice(created.id)
    public = client.get_invoice(created.id, public=True)
    assert private.reference_id == request.reference_id and public.reference_id is None
    assert (public.id, public.status, public.amount, public.service) == (
        created.id, "created", Decimal("10.55"), "test_usd")
    found = client.find_invoice_by_reference(request.reference_id)
    found_public = client.find_invoice_by_reference(request.reference_id, public=True)
    assert found is not None and found_public is not None
    assert found.id == found_public.id == created.id
    assert client.find_invoice_by_reference(str(uuid.uuid4())) is None

    processing = client.process_invoice(created.id)
    assert processing.status == "processing"
    with pytest.raises(Conflict) as again:
        client.process_invoice(created.id)
    assert again.value.invoice is not None and again.value.invoice.id == created.id
    final = wait_final(client, created.id)
    assert (final.status, final.resolution) == ("processed", "ok")
    assert final.processed is not None and final.processed_amount == Decimal("10.55")
    assert sandbox.state.counters["process_accepted"][created.id] == 1


def test_duplicate_reference_is_a_conflict_carrying_the_invoice(sandbox_client: Make) -> None:
    client = sandbox_client(read_timeout=5.0)
    request = new_request()
    created = client.create_invoice(request)
    with pytest.raises(Conflict) as duplicate:
        client.create_invoice(request)
    assert duplicate.value.status_code == 409
    assert duplicate.value.invoice is not None and duplicate.value.invoice.id == created.id


def test_validation_errors_name_their_fields(sandbox: Any, sandbox_client: Make) -> None:
    bad = replace(new_request(amount="0.001"), fields={"account": "abc"})
    with pytest.raises(ValidationFailed) as invalid:
        sandbox_client().create_invoice(bad)
    assert set(invalid.value.field_errors) == {"amount", "fields.account"}
    assert invalid.value.nothing_created
    assert sandbox.state.counters["invoices_stored"][bad.reference_id] == 0


def test_wrong_credentials_are_unauthorized_without_leaking_them(sandbox_client: Make) -> None:
    client = sandbox_client(secret_key="sk_test_not_the_right_one")
    with pytest.raises(Unauthorized) as caught:
        client.get_invoice("cpoi_x")
    assert "sk_test_not_the_right_one" not in str(caught.value)
    with pytest.raises(Unauthorized):
        client.create_invoice(new_request())
    with pytest.raises(Unauthorized):
        sandbox_client(public_key="pk_test_wrong").get_invoice("cpoi_x", public=True)


def test_unknown_invoice_is_not_found(sandbox_client: Make) -> None:
    client = sandbox_client()
    with pytest.raises(NotFound):
        client.get_invoice("cpoi_missing")
    with pytest.raises(NotFound):
        client.process_invoice("cpoi_missing")


def test_list_invoices_pages_with_cursors(sandbox_client: Make) -> None:
    client = sandbox_client(read_timeout=5.0)
    ids = [client.create_invoice(new_request()).id for _ in range(3)]
    newest_first = list(reversed(ids))
    first = client.list_invoices(size=2)
    assert [i.id for i in first.invoices] == newest_first[:2]
    assert (first.count, first.size, first.before, first.after) == (
        2, 2, newest_first[0], newest_first[1])
    older = client.list_invoices(after=first.after, size=2)
    assert [i.id for i in older.invoices] == newest_first[2:]
    newer = client.list_invoices(before=older.before, size=2)
    assert [i.id for i in newer.invoices] == newest_first[:2]
    assert all(i.reference_id and i.status == "created" for i in first.invoices)
