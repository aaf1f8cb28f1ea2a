"""Invoices the desk did not make, and changes the desk did not ask for, through
`/_sandbox/invoices`: another system of the merchant creates payouts on the same account, the
provider's back office moves a status or corrects an amount, or an invoice is lost. This is
what reconciliation must find, so it can be tested and shown over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response

from webapp.sandbox.catalogue import PER_USD, quantize
from webapp.sandbox.request_helpers import parse_amount, read_json, state
from webapp.sandbox.views import error_response, json_response, validation_error

bp = Blueprint("sandbox_outside", __name__, url_prefix="/_sandbox/invoices")
MAX_AT_ONCE = 200_000
STATUSES = ("created", "processing", "processed", "process_failed", "canceled", "expired")
CHANGEABLE = ("status", "resolution", "amount", "currency", "fee", "processed_amount")


def _attributes(body: dict[str, Any], amount: Decimal, currency: str,
                status: str) -> Any:
    prefix = str(body.get("reference_prefix") or "outside")

    def make(seq: int, now: int) -> dict[str, Any]:
        done = status == "processed"
        return {
            "reference_id": f"{prefix}-{seq}", "service": "test_usd", "method": "test",
            "currency": currency, "amount": amount, "service_currency": currency,
            "service_amount": amount, "exchange_rate": Decimal(1), "fee": Decimal(0),
            "fields": {"account": "4242"}, "test_details": {}, "callback_url": None,
            "description": None, "metadata": None, "customer_id": None,
            "created": int(body.get("created") or now), "updated": now, "status": status,
            "resolution": "ok", "processed": now if done else None,
            "processed_amount": amount if done else None,
        }

    return make


@bp.post("")
def create_outside() -> Response:
    """JSON {count=1, amount="10.00", currency="USD", status="created", created=<epoch>,
    reference_prefix}: invoices made elsewhere on this account. Returns their ids."""
    body = read_json() or {}
    count, currency = body.get("count", 1), body.get("currency", "USD")
    status = body.get("status", "created")
    amount = parse_amount(body.get("amount", "10.00"))
    errors: dict[str, str] = {}
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_AT_ONCE:
        errors["count"] = f"A whole number, 1 to {MAX_AT_ONCE}."
    if currency not in PER_USD:
        errors["currency"] = "This value is not a valid currency."
    if status not in STATUSES:
        errors["status"] = "One of: " + ", ".join(STATUSES) + "."
    if amount is None or amount <= 0:
        errors["amount"] = "This value should be a positive number."
    created = body.get("created")
    if created is not None and (isinstance(created, bool) or not isinstance(created, int)):
        errors["created"] = "An epoch in seconds."
    if errors:
        return validation_error(errors)
    assert amount is not None
    make = _attributes(body, quantize(amount, str(currency)), str(currency), str(status))
    ids = state().add_outside(count, make)
    return json_response({"data": {"ids": ids if count <= 1000 else ids[:1000],
                                   "count": len(ids)}}, 201)


@bp.post("/<invoice_id>")
def change(invoice_id: str) -> Response:
    """JSON with any of status, resolution, amount, currency, fee, processed_amount: the
    provider changes the invoice behind the desk's back (no callback is sent)."""
    body = read_json()
    if body is None or not body or set(body) - set(CHANGEABLE):
        return validation_error({"body": "An object with: " + ", ".join(CHANGEABLE)})
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in ("status", "resolution", "currency"):
            if not isinstance(value, str) or not value:
                return validation_error({name: "This value should be of type string."})
            changes[name] = value
        elif value is None and name == "processed_amount":
            changes[name] = None
        else:
            number = parse_amount(value)
            if number is None or number < 0:
                return validation_error({name: "This value should be a number."})
            changes[name] = number
    if changes.get("status") == "processed" and "processed_amount" not in changes:
        current = state().get(invoice_id)
        changes["processed_amount"] = current.amount if current else None
    changed = state().change(invoice_id, **changes)
    if changed is None:
        return error_response(404)
    return json_response({"data": {"id": changed.id, "status": changed.status}})


@bp.delete("/<invoice_id>")
def forget(invoice_id: str) -> Response:
    """The provider no longer lists the invoice."""
    if not state().forget(invoice_id):
        return error_response(404)
    return json_response({"data": {"forgotten": invoice_id}})
