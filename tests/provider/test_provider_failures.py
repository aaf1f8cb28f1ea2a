"""Failures through the whole client (spec error bodies, transport errors): the exception
raised, what is retried and what never is, timeouts, logs, and secrets kept out."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests
from canned import ACCOUNT_ID, BASE_URL, PUBLIC_KEY, SECRET_KEY, Canned, CannedAdapter, spec_text

from webapp.provider import (
    Conflict,
    MalformedResponse,
    MethodNotAllowed,
    NotFound,
    PaymegaClient,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from webapp.provider.http import backoff_delay
from webapp.provider.types import InvoiceRequest

REQUEST = InvoiceRequest(reference_id="ref-1", service="card", currency="USD",
                         amount=Decimal("10"), fields={"card_number": "5123817234060000"})
INVOICE_PATH = "/api/payout-invoices/cpoi_1"


def _create(client: PaymegaClient) -> Any:
    return client.create_invoice(REQUEST)


def _process(client: PaymegaClient) -> Any:
    return client.process_invoice("cpoi_1")


def _get(client: PaymegaClient) -> Any:
    return client.get_invoice("cpoi_1")


CASES = [
    ("POST", "/api/payout-invoices", _create, 401, "error_401", Unauthorized),
    ("POST", "/api/payout-invoices", _create, 405, "error_405", MethodNotAllowed),
    ("POST", "/api/payout-invoices", _create, 422, "error_422", ValidationFailed),
    ("POST", "/api/payout-invoices", _create, 500, "error_500", ServerError),
    ("POST", f"{INVOICE_PATH}/process", _process, 401, "error_401", Unauthorized),
    ("POST", f"{INVOICE_PATH}/process", _process, 405, "error_405", MethodNotAllowed),
    ("POST", f"{INVOICE_PATH}/process", _process, 500, "error_500", ServerError),
    ("GET", INVOICE_PATH, _get, 404, "error_404", NotFound),
    ("GET", INVOICE_PATH, _get, 401, "error_401", Unauthorized),
]


@pytest.mark.parametrize(("method", "path", "call", "status", "sample", "kind"), CASES)
def test_spec_error_bodies_raise_their_kind(
    adapter: CannedAdapter, spec_client: PaymegaClient, method: str, path: str,
    call: Callable[[PaymegaClient], Any], status: int, sample: str, kind: type[ProviderError],
) -> None:
    adapter.add(method, path, Canned(status, spec_text(sample)))
    with pytest.raises(kind) as caught:
        call(spec_client)
    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert caught.value.body == json.loads(spec_text(sample))
    assert len(adapter.seen) == 1  # writes never retried; 4xx reads are answers


def test_spec_error_messages(adapter: CannedAdapter, spec_client: PaymegaClient) -> None:
    adapter.add("POST", "/api/payout-invoices", Canned(422, spec_text("error_422")),
                Canned(500, spec_text("error_500")), Canned(401, spec_text("error_401")))
    with pytest.raises(ValidationFailed) as invalid:
        _create(spec_client)
    assert invalid.value.field_errors == {"amount": "This value should be greater than 0."}
    assert invalid.value.nothing_created and not invalid.value.outcome_unknown
    with pytest.raises(ServerError) as server:
        _create(spec_client)
    assert str(server.value) == "Paymega answered 500 Internal Server Error: Internal server error."
    assert server.value.outcome_unknown and not server.value.nothing_created
    with pytest.raises(Unauthorized) as unauthorized:
        _create(spec_client)
    assert str(unauthorized.value) == "Paymega answered 401 Unauthorized"


def test_conflict_carries_the_existing_invoice(
    adapter: CannedAdapter, spec_client: PaymegaClient
) -> None:
    adapter.add("POST", "/api/payout-invoices", Canned(409, spec_text("invoice_create_response")),
                Canned(409, '{"errors": [{"status": "Conflict", "code": "409"}]}'))
    with pytest.raises(Conflict) as with_body:
        _create(spec_client)
    assert with_body.value.invoice is not None
    assert with_body.value.invoice.id == "cpoi_VdHYVxq4RsLEebAQ"
    with pytest.raises(Conflict) as without_body:
        _create(spec_client)
    assert without_body.value.invoice is None


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (requests.ReadTimeout("read timed out"), ProviderTimeout),
        (requests.ConnectTimeout("connect timed out"), ProviderTimeout),
        (requests.ConnectionError("refused"), ProviderConnectionError),
        (requests.exceptions.ChunkedEncodingError("dropped"), ProviderConnectionError),
    ],
)
@pytest.mark.parametrize("call", [_create, _process])
def test_writes_are_never_retried(
    adapter: CannedAdapter, spec_client: PaymegaClient, call: Callable[[PaymegaClient], Any],
    failure: Exception, kind: type[ProviderError],
) -> None:
    adapter.add("POST", "/api/payout-invoices", Canned(raises=failure))
    adapter.add("POST", f"{INVOICE_PATH}/process", Canned(raises=failure))
    with pytest.raises(kind) as caught:
        call(spec_client)
    assert caught.value.outcome_unknown and caught.value.status_code is None
    assert len(adapter.seen) == 1


def test_reads_are_retried_until_an_answer(
    adapter: CannedAdapter, make_client: Callable[..., PaymegaClient]
) -> None:
    client = make_client()
    delays: list[float] = []
    client._http.sleep = delays.append
    adapter.add("GET", INVOICE_PATH, Canned(raises=requests.ReadTimeout("slow")),
                Canned(503, "<html>busy</html>"), Canned(200, spec_text("invoice_private_get")))
    invoice = client.get_invoice("cpoi_1")
    assert invoice.status == "processed"
    assert len(adapter.seen) == 3 and len(delays) == 2
    assert 0.1 <= delays[0] <= 0.2 and 0.2 <= delays[1] <= 0.3


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Canned(500, spec_text("error_500")), ServerError),
        (Canned(200, "<html>oops</html>"), MalformedResponse),
        (Canned(200, '{"meta": {}}'), MalformedResponse),
        (Canned(200, '{"data": {"id": "cpoi_1"}}'), MalformedResponse),
        (Canned(raises=requests.ConnectionError("reset")), ProviderConnectionError),
    ],
)
def test_reads_give_up_after_read_retries(
    adapter: CannedAdapter, make_client: Callable[..., PaymegaClient], answer: Canned,
    kind: type[ProviderError],
) -> None:
    adapter.add("GET", INVOICE_PATH, answer)
    with pytest.raises(kind):
        make_client(read_retries=1).get_invoice("cpoi_1")
    assert len(adapter.seen) == 2


def test_backoff_is_small_and_growing() -> None:
    for _ in range(50):
        assert 0.1 <= backoff_delay(0) <= 0.2
        assert 0.2 <= backoff_delay(1) <= 0.3
        assert 0.4 <= backoff_delay(5) <= 0.5


def test_timeouts_are_sent_on_every_call(
    adapter: CannedAdapter, make_client: Callable[..., PaymegaClient]
) -> None:
    adapter.add("GET", INVOICE_PATH, Canned(200, spec_text("invoice_private_get")))
    make_client().get_invoice("cpoi_1")
    make_client(connect_timeout=1.5, read_timeout=2.5).get_invoice("cpoi_1")
    assert [s.timeout for s in adapter.seen] == [(3.05, 15.0), (1.5, 2.5)]


def test_from_config(adapter: CannedAdapter) -> None:
    session = requests.Session()
    session.mount("https://paymega.test/", adapter)
    config = {"PAYMEGA_API_URL": BASE_URL, "PAYMEGA_PUBLIC_KEY": PUBLIC_KEY,
              "PAYMEGA_ACCOUNT_ID": ACCOUNT_ID, "PAYMEGA_SECRET_KEY": SECRET_KEY,
              "PAYMEGA_CONNECT_TIMEOUT": 1.0, "PAYMEGA_READ_TIMEOUT": "4"}
    adapter.add("GET", INVOICE_PATH, Canned(200, spec_text("invoice_public_get")))
    client = PaymegaClient.from_config(config, session=session)
    client.get_invoice("cpoi_1", public=True)
    assert adapter.seen[0].timeout == (1.0, 4.0)
    assert adapter.seen[0].query == {"public_key": [PUBLIC_KEY]}
    assert SECRET_KEY not in repr(client)


def test_one_log_line_per_request_without_secrets(
    adapter: CannedAdapter, spec_client: PaymegaClient, caplog: pytest.LogCaptureFixture
) -> None:
    echo = json.dumps({"errors": [{"detail": f"bad credentials {ACCOUNT_ID}:{SECRET_KEY}"}]})
    adapter.add("POST", "/api/payout-invoices", Canned(401, echo))
    adapter.add("GET", INVOICE_PATH, Canned(200, spec_text("invoice_private_get")))
    caplog.set_level(logging.DEBUG, logger="webapp.provider")
    with pytest.raises(Unauthorized) as caught:
        _create(spec_client)
    spec_client.get_invoice("cpoi_1", public=True)

    token = base64.b64encode(f"{ACCOUNT_ID}:{SECRET_KEY}".encode()).decode()
    assert SECRET_KEY not in str(caught.value) and "[redacted]" in str(caught.value)
    records = [r for r in caplog.records if r.name == "webapp.provider"]
    assert [r.getMessage().split(" in ")[0] for r in records] == [
        "paymega POST /payout-invoices -> 401",
        "paymega GET /payout-invoices/cpoi_1 -> 200",
    ]
    assert all(r.getMessage().endswith(" ms") for r in records)
    for forbidden in (SECRET_KEY, token, PUBLIC_KEY, "5123817234060000", "card_number"):
        assert forbidden not in caplog.text
