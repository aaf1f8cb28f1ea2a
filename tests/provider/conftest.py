"""Fixtures for the provider client tests: a client whose session goes through a `CannedAdapter`
(spec samples, no network) and a client of the loopback sandbox (real HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from canned import ACCOUNT_ID, BASE_URL, PUBLIC_KEY, SECRET_KEY, CannedAdapter

from webapp.provider import PaymegaClient


@pytest.fixture
def adapter() -> CannedAdapter:
    return CannedAdapter()


@pytest.fixture
def make_client(adapter: CannedAdapter) -> Callable[..., PaymegaClient]:
    """Factory: a client whose session goes through `adapter`; keyword arguments override."""

    def make(**overrides: Any) -> PaymegaClient:
        session = requests.Session()
        session.mount("https://paymega.test/", adapter)
        settings: dict[str, Any] = {
            "base_url": BASE_URL, "public_key": PUBLIC_KEY, "account_id": ACCOUNT_ID,
            "secret_key": SECRET_KEY, "session": session, **overrides,
        }
        client = PaymegaClient(**settings)
        client._http.sleep = lambda _seconds: None  # retries without waiting
        return client

    return make


@pytest.fixture
def spec_client(make_client: Callable[..., PaymegaClient]) -> PaymegaClient:
    return make_client()


SANDBOX_KEYS = {"public_key": "pk_test_sandbox", "account_id": "sandbox",
                "secret_key": "sk_test_sandbox"}


@pytest.fixture
def sandbox_client(sandbox: Any) -> Callable[..., PaymegaClient]:
    """Factory: a client of the loopback sandbox over real HTTP; keyword arguments override
    (`read_timeout=0.5` for the timeout faults, which hold the answer for seconds)."""

    def make(**overrides: Any) -> PaymegaClient:
        settings: dict[str, Any] = {"base_url": sandbox.url, **SANDBOX_KEYS,
                                    "connect_timeout": 1.0, "read_timeout": 0.5, **overrides}
        return PaymegaClient(**settings)

    return make
