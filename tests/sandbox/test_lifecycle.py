"""The background life cycle: processing, then the outcome the test fields ask for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from webapp.sandbox import SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")
FINAL = {"processed", "process_failed", "partially_processed", "expired", "canceled"}


def run(sb: SandboxServer, http: requests.Session, created: Callable[..., dict[str, Any]],
        poll: Callable[..., dict[str, Any]], fields: dict[str, str],
        service: str = "test_usd") -> dict[str, Any]:
    invoice = created(service=service, fields=fields)
    answer = http.post(f"{sb.url}/payout-invoices/{invoice['id']}/process", auth=AUTH, timeout=5)
    assert answer.status_code == 200
    return poll(invoice["id"], until=lambda a: a["status"] != "processing")


def test_default_outcome_is_processed(sb: SandboxServer, http: requests.Session,
                                      created: Callable[..., dict[str, Any]],
                                      poll: Callable[..., dict[str, Any]]) -> None:
    attributes = run(sb, http, created, poll, {"account": "42"})
    assert (attributes["status"], attributes["resolution"]) == ("processed", "ok")
    assert attributes["processed"] >= attributes["created"]
    assert attributes["processed_amount"] == 10 and attributes["processed_writeoff"] == 10


def test_other_services_end_processed(sb: SandboxServer, http: requests.Session,
                                      created: Callable[..., dict[str, Any]],
                                      poll: Callable[..., dict[str, Any]]) -> None:
    attributes = run(sb, http, created, poll, {"card_number": "4111111111111111"}, "card_uah")
    assert (attributes["status"], attributes["resolution"]) == ("processed", "ok")


@pytest.mark.parametrize(("fields", "status", "resolution"), [
    ({"test_details_payout_status": "process failed",
      "test_details_payout_resolution": "insufficient funds"},
     "process_failed", "insufficient_funds"),
    ({"test_details_payout_status": "Process-Failed"}, "process_failed", "declined_error"),
    ({"test_details_payout_status": "expired", "test_details_payout_resolution": "LIMIT violation"},
     "expired", "limit_violation"),
    ({"test_details_payout_status": "expired"}, "expired", "operation_expired"),
    ({"test_details_payout_status": "process pending"}, "process_pending", "ok"),
    ({"test_details_success_rate": "0"}, "process_failed", "declined_error"),
    ({"test_details_success_rate": "100"}, "processed", "ok"),
    ({"test_details_success_rate": "0", "test_details_payout_status": "processed"},
     "processed", "ok"),
])
def test_test_details_fields_choose_the_outcome(
        sb: SandboxServer, http: requests.Session, created: Callable[..., dict[str, Any]],
        poll: Callable[..., dict[str, Any]], fields: dict[str, str], status: str,
        resolution: str) -> None:
    attributes = run(sb, http, created, poll, {"account": "42", **fields})
    assert (attributes["status"], attributes["resolution"]) == (status, resolution)
    assert (attributes["processed"] is not None) == (status == "processed")


def test_updated_strictly_increases(sb: SandboxServer, http: requests.Session,
                                    created: Callable[..., dict[str, Any]],
                                    poll: Callable[..., dict[str, Any]]) -> None:
    invoice = created()
    created_at = invoice["attributes"]["updated"]
    processing = http.post(f"{sb.url}/payout-invoices/{invoice['id']}/process", auth=AUTH,
                           timeout=5).json()["data"]["attributes"]["updated"]
    final = poll(invoice["id"], until=lambda a: a["status"] == "processed")["updated"]
    assert created_at < processing < final


def test_auto_process_starts_at_once(sb: SandboxServer, http: requests.Session,
                                     create: Callable[..., requests.Response],
                                     poll: Callable[..., dict[str, Any]]) -> None:
    answer = create(options={"auto_process": True})
    assert answer.status_code == 201
    invoice = answer.json()["data"]
    assert invoice["attributes"]["status"] == "processing"
    assert poll(invoice["id"], until=lambda a: a["status"] in FINAL)["status"] == "processed"
    again = http.post(f"{sb.url}/payout-invoices/{invoice['id']}/process", auth=AUTH, timeout=5)
    assert again.status_code == 409


def test_reset_forgets_invoices(sb: SandboxServer, http: requests.Session,
                                created: Callable[..., dict[str, Any]]) -> None:
    invoice = created("ref-reset")
    assert http.post(f"{sb.url}/_sandbox/reset", timeout=5).status_code == 200
    answer = http.get(f"{sb.url}/payout-invoices/{invoice['id']}", auth=AUTH, timeout=5)
    assert answer.status_code == 404
    assert sb.state.stats()["create_requests"] == {}
