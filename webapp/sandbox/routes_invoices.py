"""The invoice endpoints: create, process, read by id or reference, and the cursor list."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request

from webapp.sandbox import faults, lifecycle
from webapp.sandbox.catalogue import convert, quantize
from webapp.sandbox.request_helpers import access_level, private_auth_ok, read_json, state
from webapp.sandbox.store import Invoice
from webapp.sandbox.validation import INVALID, CreateRequest, validate_create
from webapp.sandbox.views import (
    error_response,
    invoice_public,
    invoice_resource,
    json_response,
    validation_error,
)

bp = Blueprint("sandbox_invoices", __name__)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_CARD_DIGITS = re.compile(r"\d{12,19}")


def mask(key: str, value: str) -> str:
    """Card numbers are never kept whole: 5123817234060000 → 512381******0000."""
    digits = re.sub(r"[\s-]", "", value)
    if "card" in key and _CARD_DIGITS.fullmatch(digits):
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    return value


def _resource(invoice: Invoice, in_list: bool = False) -> dict[str, Any]:
    return invoice_resource(invoice, test_mode=state().test_mode, in_list=in_list)


def _conflict(title: str, invoice: Invoice) -> Response:
    errors = [{"status": "Conflict", "code": "409", "title": title}]
    return json_response({"errors": errors, "data": _resource(invoice)}, 409)


def _store(valid: CreateRequest) -> tuple[Invoice, bool]:
    service, attrs = valid.service, valid.attributes
    rate, service_amount = convert(valid.amount, valid.currency, service.currency)
    _, fee_fix = convert(service.fee_fix, service.currency, valid.currency)
    fee = quantize(valid.amount * service.fee_rate / 100, valid.currency) + fee_fix
    customer = attrs.get("customer")
    customer_id = state().customer_id(str(customer["reference_id"])) if customer else None
    description = attrs.get("description")
    return state().store(
        reference_id=valid.reference_id, service=service.code, method=service.method,
        currency=valid.currency, amount=valid.amount, service_currency=service.currency,
        service_amount=service_amount, exchange_rate=rate, fee=fee,
        fields={k: mask(k, v) for k, v in valid.fields.items()},
        test_details={k: v for k, v in valid.fields.items() if k.startswith("test_details_")},
        callback_url=attrs.get("callback_url"),
        description=None if description is None else str(description),
        metadata=attrs.get("metadata"), customer_id=customer_id,
    )


def _create(body: dict[str, Any] | None) -> Response:
    valid, errors = validate_create(body)
    if valid is None:
        return validation_error(errors)
    invoice, created = _store(valid)
    if not created:
        return _conflict("Duplicate reference_id", invoice)
    options = valid.attributes.get("options") or {}
    if options.get("auto_process") is True:
        invoice = lifecycle.start_processing(state(), invoice.id) or invoice
    return json_response({"data": _resource(invoice)}, 201)


@bp.post("/payout-invoices")
def create() -> Response:
    if not private_auth_ok():
        return error_response(401)
    body = read_json()
    data = (body or {}).get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    reference = attributes.get("reference_id") if isinstance(attributes, dict) else None
    state().count("create_requests", str(reference or ""))
    return faults.run("create", lambda: _create(body))


def _process(invoice_id: str) -> Response:
    state().count("process_reached", invoice_id)
    if state().hold_created_seconds > 0:
        invoice = lifecycle.accept_and_hold(state(), invoice_id)
    else:
        invoice = lifecycle.start_processing(state(), invoice_id)
    if invoice is not None:
        return json_response({"data": _resource(invoice)})
    current = state().get(invoice_id)
    if current is None:
        return error_response(404)
    return _conflict(f"Invoice is in status {current.status}", current)


@bp.post("/payout-invoices/<invoice_id>/process")
def process(invoice_id: str) -> Response:
    if not private_auth_ok():
        return error_response(401)
    state().count("process_requests", invoice_id)
    return faults.run("process", lambda: _process(invoice_id))


def _one(invoice: Invoice | None, level: str) -> Response:
    if invoice is None:
        return error_response(404)
    if level == "public":
        return json_response({"data": invoice_public(invoice, test_mode=state().test_mode)})
    return json_response({"data": _resource(invoice)})


@bp.get("/payout-invoices/<invoice_id>")
def get_one(invoice_id: str) -> Response:
    level = access_level()
    if level is None:
        return error_response(401)
    state().count("get_requests", invoice_id)
    return faults.run("get", lambda: _one(state().get(invoice_id), level))


@bp.get("/payout-invoices")
def list_or_find() -> Response:
    reference = request.args.get("filter[reference_id]")
    if reference is not None:
        level = access_level()
        if level is None:
            return error_response(401)
        state().count("find_requests", reference)
        return faults.run("find", lambda: _one(state().find(reference), level))
    if not private_auth_ok():
        return error_response(401)
    return faults.run("list", _list_page)


def _list_page() -> Response:
    """Newest first; `page[after]=<id>` gives older invoices, `page[before]=<id>` newer ones."""
    raw_size = request.args.get("page[size]", str(DEFAULT_PAGE_SIZE))
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= MAX_PAGE_SIZE:
        return validation_error(
            {"page[size]": f"This value should be between 1 and {MAX_PAGE_SIZE}."})
    size = int(raw_size)
    after, before = request.args.get("page[after]"), request.args.get("page[before]")
    found = state().window(after, before, size)
    if found is None:
        name = "page[after]" if after else "page[before]"
        return validation_error({name: INVALID})
    window, newer, older = found
    first = window[0].id if window else None
    last = window[-1].id if window else None
    base = f"/payout-invoices?page[size]={size}"
    newer_cursor = first or after
    older_cursor = last or before
    links = {
        "prev": f"{base}&page[before]={newer_cursor}" if newer and newer_cursor else "",
        "next": f"{base}&page[after]={older_cursor}" if older and older_cursor else "",
    }
    return json_response({
        "meta": {"count": len(window), "size": size, "before": first, "after": last},
        "links": links,
        "data": [_resource(i, in_list=True) for i in window],
    })
