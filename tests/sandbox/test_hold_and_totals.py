"""The sandbox option that answers process with 2xx and keeps the invoice `created` (the spec's
own sample), and the provider-side totals tests assert against."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from tests.sandbox.conftest import AUTH
from webapp.sandbox import SandboxServer


def _process(sb: SandboxServer, http: requests.Session, invoice_id: str) -> requests.Response:
    return http.post(f"{sb.url}/payout-invoices/{invoice_id}/process", auth=AUTH, timeout=5)


def _hold(sb: SandboxServer, http: requests.Session, seconds: float) -> None:
    answer = http.post(f"{sb.url}/_sandbox/options", json={"hold_created_seconds": seconds},
                       timeout=5)
    assert answer.status_code == 200, answer.text


def test_held_invoice_stays_created_after_a_2xx_then_processes(
        sb: SandboxServer, http: requests.Session,
        created: Callable[..., dict[str, Any]]) -> None:
    _hold(sb, http, 0.4)
    invoice_id = created()["id"]
    answer = _process(sb, http, invoice_id)
    assert answer.status_code == 200
    assert answer.json()["data"]["attributes"]["status"] == "created"
    assert sb.state.get(invoice_id).status == "created"
    # A second call is answered 2xx too: nothing at the provider protects a careless client.
    assert _process(sb, http, invoice_id).status_code == 200
    totals = sb.state.provider_totals()
    assert totals["process_requests"] == {invoice_id: 2}
    assert totals["process_reached"] == {invoice_id: 2}
    assert totals["process_accepted"] == {invoice_id: 1}
    deadline = time.monotonic() + 5
    while sb.state.get(invoice_id).status in ("created", "processing"):
        assert time.monotonic() < deadline, "the held invoice never finished"
        time.sleep(0.05)
    assert sb.state.get(invoice_id).status == "processed"
    assert sb.state.provider_totals()["process_accepted"] == {invoice_id: 1}


def test_hold_is_validated_and_reset(sb: SandboxServer, http: requests.Session) -> None:
    bad = http.post(f"{sb.url}/_sandbox/options", json={"hold_created_seconds": "soon"},
                    timeout=5)
    assert bad.status_code == 422
    _hold(sb, http, 300)
    assert sb.state.stats()["hold_created_seconds"] == 300
    http.post(f"{sb.url}/_sandbox/reset", timeout=5)
    assert sb.state.hold_created_seconds == 0


def test_totals_count_every_invoice_and_request(
        sb: SandboxServer, http: requests.Session, create: Callable[..., requests.Response],
        created: Callable[..., dict[str, Any]]) -> None:
    first = created("ref-a")
    assert create("ref-a").status_code == 409  # a second create for a known reference
    second = created("ref-b")
    sb.state.inject("process", "500_before")
    assert _process(sb, http, first["id"]).status_code == 500
    assert _process(sb, http, first["id"]).status_code == 200
    totals = http.get(f"{sb.url}/_sandbox/totals", timeout=5).json()["data"]
    assert totals["invoices"] == 2
    assert totals["invoices_by_reference"] == {"ref-a": 1, "ref-b": 1}
    assert totals["create_requests"] == {"ref-a": 2, "ref-b": 1}
    assert totals["process_requests"] == {first["id"]: 2}
    assert totals["process_reached"] == {first["id"]: 1}  # the refused one never got there
    assert totals["invoice_ids"] == {first["id"]: "ref-a", second["id"]: "ref-b"}
