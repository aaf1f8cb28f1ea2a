"""Helpers for batch tests: files built in memory, batches uploaded through the real code
(the pre-request over HTTP to the sandbox), and a fast job rate."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from webapp.batches.services import create_batch, read_file, submit_batch
from webapp.models import Batch, User
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.prerequest import clear_cache
from webapp.provider.types import PayoutService
from webapp.sandbox import SandboxServer

HEADER = ["account", "amount", "customer_name", "description"]


@pytest.fixture(autouse=True)
def _batch_settings(app: Flask, sandbox: SandboxServer,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    clear_cache()
    monkeypatch.setitem(app.config, "BATCH_RATE_PER_SECOND", 1000.0)
    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", None)
    monkeypatch.setitem(app.config, "RECOVERY_BACKOFF_SECONDS", 0.01)
    yield
    clear_cache()


def csv_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER,
              encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def service(code: str = "test_usd", currency: str = "USD",
            amount: str = "10") -> PayoutService:
    found = provider_client().prerequest(currency, Decimal(amount)).service(code)
    assert found is not None
    return found


@pytest.fixture
def make_batch() -> Callable[..., Batch]:
    """Factory: a batch uploaded by `creator` from `rows` (optionally submitted)."""

    def make(creator: User, rows: Sequence[Sequence[Any]], *, submit: bool = True,
             header: Sequence[str] = HEADER, code: str = "test_usd",
             currency: str = "USD") -> Batch:
        chosen = service(code, currency)
        report = read_file("pay.csv", csv_bytes(rows, header), chosen, currency, "en")
        batch = create_batch(creator, chosen, currency, "pay.csv", report, "en")
        if submit:
            assert submit_batch(batch, creator)
        return batch

    return make


def accounts(count: int, amount: str = "10.00", start: int = 1000) -> list[list[str]]:
    """`count` distinct valid rows for test_usd."""
    return [[str(start + i), amount, f"Person {i}", "fee"] for i in range(count)]
