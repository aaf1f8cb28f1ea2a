"""Every fault the sandbox can inject, against every operation, over real HTTP: the exception
the client raises, how many calls reached the sandbox (reads retried, writes never), and
what the provider actually did (so the caller's recovery by reference is shown to work)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from webapp.provider import (
    Conflict,
    Forbidden,
    MalformedResponse,
    MethodNotAllowed,
    PaymegaClient,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from webapp.provider.types import InvoiceRequest

Make = Callable[..., PaymegaClient]

FAULT_KIND: dict[str, type[ProviderError]] = {
    "500_before": ServerError,
    "500_after": ServerError,
    "timeout": ProviderTimeout,  # answers after 3 s; the client waits 0.5 s
    "slow": ProviderTimeout,  # waits 3 s before acting
    "drop": ProviderConnectionError,
    "malformed": MalformedResponse,
    "401": Unauthorized,
    "403": Forbidden,
    "405": MethodNotAllowed,
    "409": Conflict,
    "422": ValidationFailed,
}
UNKNOWN_OUTCOME = ["500_before", "500_after", "timeout", "slow", "drop", "malformed"]
REFUSALS = ["401", "403", "405", "409", "422"]
# Faults after which the provider has acted (the sandbox stored or processed the invoice).
ACTED = {"500_after", "timeout", "drop", "malformed"}


def invoice_request() -> InvoiceRequest:
    return InvoiceRequest(reference_id=str(uuid.uuid4()), service="test_usd", currency="USD",
                          amount=Decimal("25.10"), fields={"account": "777"})


@pytest.fixture
def existing(sandbox_client: Make) -> tuple[str, str]:
    """(invoice id, reference id) of an invoice created before any fault is injected."""
    request = invoice_request()
    return sandbox_client(read_timeout=5.0).create_invoice(request).id, request.reference_id


READS: dict[str, Callable[[PaymegaClient, tuple[str, str]], Any]] = {
    "prerequest": lambda c, _: c.prerequest("USD", Decimal("10")),
    "services": lambda c, _: c.list_services(page_size=100),
    "get": lambda c, inv: c.get_invoice(inv[0]),
    "find": lambda c, inv: c.find_invoice_by_reference(inv[1]),
    "list": lambda c, _: c.list_invoices(),
}


def _check_read(operation: str, result: Any, existing: tuple[str, str]) -> None:
    if operation == "prerequest":
        assert result.service("test_usd") is not None
    elif operation == "services":
        assert any(s.service == "test_usd" for s in result)
    elif operation in ("get", "find"):
        assert result is not None and result.id == existing[0]
    else:
        assert [i.id for i in result.invoices] == [existing[0]]


@pytest.mark.parametrize("fault", UNKNOWN_OUTCOME)
@pytest.mark.parametrize("operation", list(READS))
def test_read_is_retried_through_one_fault(
    sandbox: Any, sandbox_client: Make, existing: tuple[str, str], operation: str, fault: str
) -> None:
    sandbox.state.inject(operation, fault, times=1)
    result = READS[operation](sandbox_client(), existing)
    _check_read(operation, result, existing)
    assert sandbox.state.calls[operation] == 2


@pytest.mark.parametrize(
    ("operation", "fault"),
    [("prerequest", "500_before"), ("services", "drop"), ("get", "timeout"),
     ("find", "malformed"), ("list", "500_after")],
)
def test_read_gives_up_after_its_retries(
    sandbox: Any, sandbox_client: Make, existing: tuple[str, str], operation: str, fault: str
) -> None:
    sandbox.state.inject(operation, fault, times=3)
    with pytest.raises(FAULT_KIND[fault]) as caught:
        READS[operation](sandbox_client(read_retries=2), existing)
    assert caught.value.outcome_unknown
    assert sandbox.state.calls[operation] == 3


@pytest.mark.parametrize("fault", REFUSALS)
@pytest.mark.parametrize("operation", list(READS))
def test_read_refusal_is_not_retried(
    sandbox: Any, sandbox_client: Make, existing: tuple[str, str], operation: str, fault: str
) -> None:
    sandbox.state.inject(operation, fault, times=1)
    with pytest.raises(FAULT_KIND[fault]) as caught:
        READS[operation](sandbox_client(), existing)
    assert type(caught.value) is FAULT_KIND[fault]
    assert caught.value.status_code == int(fault)
    assert sandbox.state.calls[operation] == 1


@pytest.mark.parametrize("fault", list(FAULT_KIND))
def test_create_is_never_retried_and_the_outcome_can_be_resolved(
    sandbox: Any, sandbox_client: Make, fault: str
) -> None:
    client = sandbox_client()
    request = invoice_request()
    sandbox.state.inject("create", fault, times=1)
    with pytest.raises(FAULT_KIND[fault]) as caught:
        client.create_invoice(request)
    assert type(caught.value) is FAULT_KIND[fault]
    assert sandbox.state.counters["create_requests"][request.reference_id] == 1
    stored = sandbox.state.counters["invoices_stored"][request.reference_id]
    assert stored == (1 if fault in ACTED else 0)
    assert caught.value.outcome_unknown == (fault in UNKNOWN_OUTCOME)
    if fault in REFUSALS and fault != "409":
        assert caught.value.nothing_created
    # The spec's recovery: look the invoice up by reference before creating it again.
    found = client.find_invoice_by_reference(request.reference_id)
    assert (found is not None) == (fault in ACTED)


@pytest.mark.parametrize("fault", list(FAULT_KIND))
def test_process_is_never_retried(
    sandbox: Any, sandbox_client: Make, existing: tuple[str, str], fault: str
) -> None:
    invoice_id = existing[0]
    sandbox.state.inject("process", fault, times=1)
    with pytest.raises(FAULT_KIND[fault]) as caught:
        sandbox_client().process_invoice(invoice_id)
    assert type(caught.value) is FAULT_KIND[fault]
    assert sandbox.state.counters["process_requests"][invoice_id] == 1
    accepted = sandbox.state.counters["process_accepted"][invoice_id]
    assert accepted == (1 if fault in ACTED else 0)
    status = sandbox_client(read_timeout=5.0).get_invoice(invoice_id).status
    assert (status != "created") == (fault in ACTED)


def test_validation_fault_names_the_field(sandbox: Any, sandbox_client: Make) -> None:
    sandbox.state.inject("create", "422")
    with pytest.raises(ValidationFailed) as caught:
        sandbox_client().create_invoice(invoice_request())
    assert caught.value.field_errors == {"amount": "This value is not valid."}
