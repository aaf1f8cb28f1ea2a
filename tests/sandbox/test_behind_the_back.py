"""The sandbox's controls for reconciliation and the pre-flight: invoices made outside the
desk, statuses and amounts changed behind its back, invoices lost, and a catalogue that
changes (service withdrawn, unavailable, new limits, moved rate). All over real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from webapp.sandbox import SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")


def _ids(sb: SandboxServer, http: requests.Session, query: str) -> list[str]:
    answer = http.get(f"{sb.url}/payout-invoices{query}", auth=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["data"]]


def test_outside_invoices_are_listed_newest_first_with_cursors(sb, http) -> None:
    made = http.post(f"{sb.url}/_sandbox/invoices",
                     json={"count": 7, "currency": "EUR", "amount": "3.10"}, timeout=5)
    assert made.status_code == 201
    ids = made.json()["data"]["ids"]
    newest = ids[::-1]
    assert _ids(sb, http, "?page[size]=3") == newest[:3]
    assert _ids(sb, http, f"?page[size]=3&page[after]={newest[2]}") == newest[3:6]
    assert _ids(sb, http, f"?page[size]=3&page[after]={newest[5]}") == newest[6:]
    assert _ids(sb, http, f"?page[size]=3&page[before]={newest[3]}") == newest[:3]
    one = http.get(f"{sb.url}/payout-invoices/{ids[0]}", auth=AUTH, timeout=5).json()["data"]
    assert (one["attributes"]["currency"], one["attributes"]["amount"]) == ("EUR", 3.1)


def test_a_forgotten_invoice_leaves_the_list_and_the_cursors_still_work(sb, http) -> None:
    ids = http.post(f"{sb.url}/_sandbox/invoices", json={"count": 5},
                    timeout=5).json()["data"]["ids"]
    assert http.delete(f"{sb.url}/_sandbox/invoices/{ids[2]}", timeout=5).status_code == 200
    newest = [i for i in ids[::-1] if i != ids[2]]
    assert _ids(sb, http, "?page[size]=2") == newest[:2]
    answer = http.get(f"{sb.url}/payout-invoices?page[size]=2&page[after]={newest[1]}",
                      auth=AUTH, timeout=5).json()
    assert [i["id"] for i in answer["data"]] == newest[2:]
    assert answer["links"]["next"] == ""
    assert http.get(f"{sb.url}/payout-invoices/{ids[2]}", auth=AUTH,
                    timeout=5).status_code == 404
    assert http.delete(f"{sb.url}/_sandbox/invoices/{ids[2]}", timeout=5).status_code == 404


def test_changes_behind_the_back_show_in_the_invoice(sb, http) -> None:
    invoice = http.post(f"{sb.url}/_sandbox/invoices", json={}, timeout=5).json()["data"]["ids"][0]
    answer = http.post(f"{sb.url}/_sandbox/invoices/{invoice}",
                       json={"status": "processed", "fee": "0.25"}, timeout=5)
    assert answer.status_code == 200
    attributes = http.get(f"{sb.url}/payout-invoices/{invoice}", auth=AUTH,
                          timeout=5).json()["data"]["attributes"]
    assert (attributes["status"], attributes["fee"], attributes["processed_amount"]) == (
        "processed", 0.25, 10)
    refused = http.post(f"{sb.url}/_sandbox/invoices/{invoice}", json={"colour": "red"},
                        timeout=5)
    assert refused.status_code == 422


def _prerequest(sb: SandboxServer, http: requests.Session) -> dict[str, Any]:
    body = {"currency": "USD", "amount": "10", "public_key": "pk_test_sandbox"}
    return http.post(f"{sb.url}/payout-prerequest", json=body, timeout=5).json()["data"][
        "services"]


def test_the_catalogue_changes_behind_the_back_and_restores(sb, http) -> None:
    control = f"{sb.url}/_sandbox/services/test_usd"
    assert _prerequest(sb, http)["test_usd"]["exchange_rate"] == 1
    http.post(control, json={"rate_factor": "1.05"}, timeout=5)
    assert _prerequest(sb, http)["test_usd"]["exchange_rate"] == 1.05
    http.post(control, json={"status": "unavailable"}, timeout=5)
    assert _prerequest(sb, http)["test_usd"]["status"] == "unavailable"
    http.post(control, json={"gone": True}, timeout=5)
    assert "test_usd" not in _prerequest(sb, http)
    assert http.get(f"{sb.url}/payout-services/test_usd", auth=AUTH,
                    timeout=5).status_code == 404
    http.post(control, json={}, timeout=5)
    assert "status" not in _prerequest(sb, http)["test_usd"]
    assert http.post(control, json={"amount_max": "-1"}, timeout=5).status_code == 422
