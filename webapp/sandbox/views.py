"""JSON shapes the sandbox answers with, as in the provider's spec (and its live variant).

JSON has no decimal type: amounts are computed as Decimal and turned into JSON numbers only
here, at the edge, exactly as the provider sends them (`10`, `0.01`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Response

from webapp.sandbox.catalogue import Field, Method, Service, money_text
from webapp.sandbox.catalogue_data import method_icons
from webapp.sandbox.store import Invoice

ERRORS: dict[int, dict[str, Any]] = {
    401: {"errors": [{"status": "Unauthorized", "code": "401"}]},
    403: {"errors": [{"status": "Forbidden", "code": "403"}]},
    404: {"errors": [{"status": "Not Found", "code": "404"}]},
    405: {"errors": [{"status": "Method Not Allowed", "code": "405"}]},
    409: {"errors": [{"status": "Conflict", "code": "409", "title": "Conflict"}]},
    500: {"errors": [{"status": "internal_error", "code": "500", "title": "internal_error",
                      "detail": "Internal server error."}]},
}


def number(value: Decimal | None) -> int | float | None:
    """A JSON number for a Decimal: integral values as int, others by their shortest repr."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _encode_extra(value: Any) -> Any:
    if isinstance(value, Decimal):  # numbers a client sent inside metadata
        return number(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(body: Any) -> str:
    """JSON text with keys in their order (Flask's jsonify would sort them, reordering
    services)."""
    return json.dumps(body, ensure_ascii=False, default=_encode_extra)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status=status, mimetype="application/json")


def error_response(status: int, **extra: Any) -> Response:
    return json_response({**ERRORS[status], **extra}, status)


def validation_error(errors: dict[str, str]) -> Response:
    return json_response({"errors": errors}, 422)


def escape_twice(pattern: str | None) -> str | None:
    """The provider escapes regexps twice: the decoded JSON value has every backslash doubled."""
    return None if pattern is None else pattern.replace("\\", "\\\\")


def field_view(item: Field, order_key: str) -> dict[str, Any]:
    return {
        "key": item.key, "type": item.type, "label": dict(item.label), "example": item.example,
        "hint": dict(item.hint), "regexp": escape_twice(item.regexp), "required": item.required,
        order_key: item.order,
    }


def method_view(method: Method) -> dict[str, Any]:
    name = method.name if isinstance(method.name, str) else dict(method.name)
    return {"code": method.code, "category": method.category, "description": "", "name": name,
            **method_icons(method.code), "metadata": None, "position": None, "hide": None}


def service_view(service: Service, rate: Decimal, converted: Decimal, live: bool) -> dict[str, Any]:
    """One prerequest service; live: 8-decimal strings, `weight`, `status`."""
    order_key = "weight" if live else service.order_key
    view: dict[str, Any] = {
        "code": service.code, "method": service.method, "currency": service.currency,
        "fields": [field_view(f, order_key) for f in service.fields],
    }
    if live:
        view.update(amount_min=money_text(service.amount_min, 8),
                    amount_max=money_text(service.amount_max, 8),
                    exchange_rate=number(rate), amount=money_text(converted, 8),
                    status=service.status)
    else:
        view.update(amount_min=number(service.amount_min), amount_max=number(service.amount_max),
                    exchange_rate=number(rate),
                    amount=money_text(converted, service.precision))
        if service.status != "available":  # a service switched off behind the desk's back
            view["status"] = service.status
    return view


def service_resource(service: Service, service_id: str, currency: str,
                     test_mode: bool) -> dict[str, Any]:
    """A row of the private `/payout-services` list."""
    return {
        "type": "payout-services", "id": service_id,
        "attributes": {
            "service": service.code, "service_method": service.method,
            "service_currency": service.currency, "available": service.status == "available",
            "active": True, "enabled": True, "amount_min": number(service.amount_min),
            "amount_max": number(service.amount_max), "fee_min": 0, "fee_max": 0,
            "fee_rate": number(service.fee_rate), "fee_fix": number(service.fee_fix),
            "currency": currency, "test_mode": test_mode,
        },
        "relationships": {
            "payout-method": {"data": {"type": "payout-methods", "id": service.method}},
            "payout-service": {"data": {"type": "payout-services", "id": service.code}},
        },
        "links": {"self": f"/payout-services/{service_id}"},
    }


def invoice_resource(invoice: Invoice, *, test_mode: bool, in_list: bool = False
                     ) -> dict[str, Any]:
    """The private JSON:API invoice; list items come without `links` and `callback_logs`."""
    processed = invoice.processed_amount
    attributes: dict[str, Any] = {
        "serial_number": invoice.serial_number, "status": invoice.status,
        "resolution": invoice.resolution, "amount": number(invoice.amount),
        "payout_amount": number(invoice.amount), "currency": invoice.currency,
        "service_currency": invoice.service_currency,
        "service_amount": number(invoice.service_amount),
        "service_payout_amount": number(invoice.service_amount),
        "reference_id": invoice.reference_id, "test_mode": test_mode,
        "description": invoice.description, "fee": number(invoice.fee),
        "writeoff": number(invoice.amount + invoice.fee),
        "exchange_rate": number(invoice.exchange_rate), "processed": invoice.processed,
        "processed_amount": number(processed), "processed_fee": number(invoice.fee),
        "processed_writeoff": None if processed is None else number(processed + invoice.fee),
        "metadata": invoice.metadata, "created": invoice.created, "updated": invoice.updated,
        "fields": dict(invoice.fields), "callback_url": invoice.callback_url,
        "source": "merchant_api",
    }
    if not in_list:
        attributes["callback_logs"] = []
    relationships: dict[str, Any] = {
        "payout-service": {"data": {"type": "payout-services", "id": invoice.service}},
        "payout-method": {"data": {"type": "payout-methods", "id": invoice.method}},
    }
    if invoice.customer_id:
        relationships["customer"] = {"data": {"type": "customers", "id": invoice.customer_id}}
    resource = {"type": "payout-invoices", "id": invoice.id, "attributes": attributes,
                "relationships": relationships}
    if not in_list:
        resource["links"] = {"self": f"/payout-invoices/{invoice.id}"}
    return resource


def invoice_public(invoice: Invoice, *, test_mode: bool) -> dict[str, Any]:
    """The flat public view (public key access)."""
    return {
        "id": invoice.id, "serial_number": invoice.serial_number, "created": invoice.created,
        "status": invoice.status, "resolution": invoice.resolution, "test_mode": test_mode,
        "currency": invoice.currency, "amount": number(invoice.amount),
        "payout_amount": number(invoice.amount), "service": invoice.service,
        "service_amount": number(invoice.service_amount),
        "service_payout_amount": number(invoice.service_amount),
        "service_method": invoice.method, "service_currency": invoice.service_currency,
        "processed": invoice.processed, "processed_amount": number(invoice.processed_amount),
    }
