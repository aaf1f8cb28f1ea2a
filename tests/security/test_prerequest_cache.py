"""The pre-request cache holds bounded memory: nearby amounts share one copy of an answer,
bytes and entries are capped, and the memory comes back after the TTL with nobody asking.

Reproduction: four amounts of a large answer doubled the process's memory and kept it after
the TTL. Memory here is what Python allocated (tracemalloc), measured around real requests."""

from __future__ import annotations

import gc
import time
import tracemalloc
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import wait_for
from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.payout_core.prerequest import _cache
from webapp.sandbox import SandboxServer

SERVICES = 100


def large_answer(amount: str, flavour: str = "a") -> dict[str, Any]:
    """Many services with long labels; each service echoes the converted `amount`, as the
    provider does, so the answers for two amounts are never byte-identical."""
    services = []
    for i in range(SERVICES):
        service = good_service(f"svc_{flavour}_{i}")
        service["amount"] = f"{Decimal(amount):.8f}"
        service["fields"] = [
            {"key": f"f{j}", "label": {lang: f"{flavour} label {i}.{j} " + "x" * 80
                                       for lang in ("en", "ru", "uk")},
             "hint": {"en": "hint " + "y" * 120}, "weight": j} for j in range(6)]
        services.append(service)
    return prerequest_body(*services)


def _ask(client: FlaskClient, sandbox: SandboxServer, amount: str, flavour: str = "a") -> None:
    queue_answer(sandbox, "prerequest", large_answer(amount, flavour))
    response = client.get(f"/payouts/new?currency=USD&amount={amount}")
    assert response.status_code == 200
    assert f"svc_{flavour}_1".encode() in response.data


def _allocated() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture
def short_ttl(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PAYOUTS_PREREQUEST_TTL", 10.0)


def test_nearby_amounts_share_one_copy_and_memory_returns_after_ttl(
        app: Flask, short_ttl: None, operator_client: FlaskClient,
        sandbox: SandboxServer) -> None:
    # Warm the page's code paths and Babel's locale data (loaded once) before measuring.
    assert b"service-test_usd" in operator_client.get(
        "/payouts/new?currency=USD&amount=5.00").data
    _cache().clear()
    tracemalloc.start()
    try:
        baseline = _allocated()
        _ask(operator_client, sandbox, "10.00")
        one = _allocated() - baseline
        bytes_one = _cache().bytes_held
        for amount in ("10.01", "10.02", "10.03"):
            _ask(operator_client, sandbox, amount)
        four = _allocated() - baseline
        assert _cache().entries == 4
        assert _cache().bytes_held < bytes_one * 1.05
        assert four < one * 1.3, (one, four)
        assert wait_for(lambda: _cache().entries == 0 and _cache().bytes_held == 0, 15)
        after = _allocated() - baseline
        print(f"\nprerequest cache: one amount +{one / 1e6:.1f} MB, four amounts "
              f"+{four / 1e6:.1f} MB, after the TTL +{after / 1e6:.1f} MB")
        assert after < one * 0.2, (one, after)
    finally:
        tracemalloc.stop()


def test_bytes_are_capped(app: Flask, short_ttl: None, operator_client: FlaskClient,
                          sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _ask(operator_client, sandbox, "10.00", "probe")
    one = _cache().bytes_held
    _cache().clear()
    app.extensions.pop("payouts_prerequest_cache")
    monkeypatch.setitem(app.config, "PAYOUTS_PREREQUEST_CACHE_BYTES", int(one * 2.5))
    tracemalloc.start()
    try:
        baseline = _allocated()
        for n in range(5):  # five different large answers
            _ask(operator_client, sandbox, f"10.0{n}", f"v{n}")
            assert _cache().bytes_held <= one * 2.5
        grown = _allocated() - baseline
        assert grown < one * 3.5, (one, grown)
    finally:
        tracemalloc.stop()


def test_entries_are_capped(app: Flask, operator_client: FlaskClient,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PAYOUTS_PREREQUEST_CACHE_ENTRIES", 5)
    for cents in range(12):
        response = operator_client.get(f"/payouts/new?currency=USD&amount=10.{cents:02d}")
        assert response.status_code == 200 and b"service-test_usd" in response.data
    assert _cache().entries == 5


def test_a_cached_answer_keeps_each_amounts_own_figures(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    """Sharing the services must not mix up the converted amount each answer carried."""
    from webapp.payout_core.prerequest import fetch_prerequest

    for amount in ("10.00", "20.00"):
        queue_answer(sandbox, "prerequest", large_answer(amount))
    with app.test_request_context():
        first = fetch_prerequest("USD", Decimal("10.00"))
        second = fetch_prerequest("USD", Decimal("20.00"))
        again = fetch_prerequest("USD", Decimal("10.00"))
    assert first.services[0].amount == again.services[0].amount == Decimal("10")
    assert second.services[0].amount == Decimal("20")
    assert again.services == first.services
    assert time.monotonic() > 0
