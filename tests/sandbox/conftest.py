"""Fixtures for the sandbox's own tests: plain `requests` against the shared loopback sandbox,
with short fault pauses and callback back-off so the suite stays fast."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from webapp.sandbox import SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")
PUBLIC_KEY = "pk_test_sandbox"
SLOW_SECONDS = 1.0
CLIENT_TIMEOUT = 0.4


@pytest.fixture
def sb(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The session sandbox, reset, with test-friendly pauses (restored afterwards)."""
    state = sandbox.state
    saved = (state.slow_seconds, state.callback_backoff)
    state.slow_seconds, state.callback_backoff = SLOW_SECONDS, (0.1, 0.2)
    yield sandbox
    state.slow_seconds, state.callback_backoff = saved


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def invoice_body(reference: str | None = None, *, service: str = "test_usd",
                 currency: str = "USD", amount: Any = 10, fields: dict[str, str] | None = None,
                 **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "payout-invoice", "attributes": {
        "service": service, "currency": currency, "amount": amount,
        "reference_id": reference or str(uuid.uuid4()),
        "fields": {"account": "12345"} if fields is None else fields,
        "options": {"auto_process": False}, **attributes,
    }}}


@pytest.fixture
def create(sb: SandboxServer, http: requests.Session) -> Callable[..., requests.Response]:
    """`create(reference, **invoice_body kwargs)`: POST /payout-invoices with Basic auth."""

    def post(reference: str | None = None, *, timeout: float = 5.0,
             **kwargs: Any) -> requests.Response:
        return http.post(f"{sb.url}/payout-invoices", json=invoice_body(reference, **kwargs),
                         auth=AUTH, timeout=timeout)

    return post


@pytest.fixture
def created(create: Callable[..., requests.Response]) -> Callable[..., dict[str, Any]]:
    """`created(**kwargs)`: a stored invoice resource (asserts the 201)."""

    def make(reference: str | None = None, **kwargs: Any) -> dict[str, Any]:
        response = create(reference, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    return make


@pytest.fixture
def poll(sb: SandboxServer, http: requests.Session) -> Callable[..., dict[str, Any]]:
    """`poll(invoice_id, until=...)`: re-read the invoice until `until(attributes)` holds."""

    def wait(invoice_id: str, until: Callable[[dict[str, Any]], bool],
             seconds: float = 3.0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            answer = http.get(f"{sb.url}/payout-invoices/{invoice_id}", auth=AUTH, timeout=5)
            attributes = answer.json()["data"]["attributes"]
            if until(attributes) or time.monotonic() > deadline:
                return attributes
            time.sleep(0.02)

    return wait
