"""Provider JSON to typed results, surviving every quirk the spec and the live API show.

Rules: unknown keys are ignored, a missing key never raises, a malformed entry of a list or map
is skipped (logged at debug level), and only an answer without its `data` is fatal
(`MalformedResponse`). Two prerequest shapes are accepted: the spec's (`data.services` holding
`methods` and `account` objects beside the real services) and the live one
(`data.attributes.{currency, test_mode, services, methods}`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from webapp.provider.errors import MalformedResponse
from webapp.provider.types import (
    Invoice,
    InvoicePage,
    PayoutMethod,
    PayoutService,
    Prerequest,
    ServiceField,
    ServiceInfo,
)
from webapp.provider.values import (
    OutOfBounds,
    dig,
    to_bool,
    to_code,
    to_decimal,
    to_int,
    to_text,
    to_texts,
    unescape_regexp,
)

logger = logging.getLogger("webapp.provider")

# Keys that sit inside the spec's `services` map but are not services.
_NOT_SERVICES = frozenset({"methods", "account"})


def data_of(body: Any) -> Any:
    """The `data` member every success answer must carry."""
    if not isinstance(body, dict) or "data" not in body:
        raise MalformedResponse("The provider's answer has no `data` member.", body=body)
    return body["data"]


def _resource(data: Any) -> dict[str, Any]:
    """A JSON:API resource's attributes, or the object itself when it is flat (public view)."""
    if not isinstance(data, dict):
        raise MalformedResponse("The provider's `data` is not an object.", body=data)
    attributes = data.get("attributes")
    return attributes if isinstance(attributes, dict) else data


def _entries(container: Any) -> Iterable[tuple[str | None, Any]]:
    """(key, item) pairs of a map, or (None, item) of a list; anything else yields nothing."""
    if isinstance(container, dict):
        return ((str(k), v) for k, v in container.items())
    if isinstance(container, list):
        return ((None, v) for v in container)
    return ()


# --- prerequest ---------------------------------------------------------------------------


def parse_field(raw: Any, order: int) -> ServiceField | None:
    key = to_text(raw.get("key")) if isinstance(raw, dict) else None
    if key is None:
        return None
    position = to_int(raw.get("position"))
    if position is None:
        position = to_int(raw.get("weight"))
    return ServiceField(
        key=key,
        type=to_text(raw.get("type")) or "string",
        label=to_texts(raw.get("label")),
        hint=to_texts(raw.get("hint")),
        example=to_text(raw.get("example")),
        regexp=unescape_regexp(raw.get("regexp")),
        required=bool(to_bool(raw.get("required"))),
        position=position or 0,
        order=order,
    )


def parse_fields(raw: Any) -> tuple[ServiceField, ...]:
    """Fields sorted by `position`/`weight`, ties kept in the order received."""
    items = raw if isinstance(raw, list) else []
    parsed = [f for i, item in enumerate(items) if (f := parse_field(item, i)) is not None]
    return tuple(sorted(parsed, key=lambda f: (f.position, f.order)))


# The longest codes we keep (the payouts table's columns).
MAX_ID, MAX_STATUS, MAX_RESOLUTION, MAX_SERVICE_CODE = 64, 32, 64, 128
UNREADABLE = "unreadable"  # the status of a service whose numbers are out of bounds


def parse_service(raw: Any, key: str | None = None) -> PayoutService | None:
    """A service; one whose numbers are beyond sane bounds comes back unavailable (status
    `unreadable`, no fields), with the reason logged, so the rest of the list still works."""
    if not isinstance(raw, dict):
        return None
    try:
        code = to_code(raw.get("code"), MAX_SERVICE_CODE) or to_code(key, MAX_SERVICE_CODE)
        currency = to_text(raw.get("currency"))
    except OutOfBounds:
        code = currency = None
    if code is None or currency is None:
        logger.debug("skipping a prerequest service without code or currency: %r", key)
        return None
    try:
        return _service(raw, code, currency)
    except OutOfBounds as exc:
        logger.warning("prerequest service %r shown unavailable: a number out of bounds (%s)",
                       code[:80], exc)
        return PayoutService(code=code, method=_method_of(raw), currency=currency,
                             status=UNREADABLE, raw={})


def _method_of(raw: dict[str, Any]) -> str | None:
    try:
        return to_code(raw.get("method"), MAX_SERVICE_CODE)
    except OutOfBounds:
        return None


def _service(raw: dict[str, Any], code: str, currency: str) -> PayoutService:
    return PayoutService(
        code=code,
        method=to_code(raw.get("method"), MAX_SERVICE_CODE),
        currency=currency,
        fields=parse_fields(raw.get("fields")),
        amount_min=to_decimal(raw.get("amount_min")),
        amount_max=to_decimal(raw.get("amount_max")),
        exchange_rate=to_decimal(raw.get("exchange_rate")),
        amount=to_decimal(raw.get("amount")),
        fee=to_decimal(raw.get("fee")),
        status=to_text(raw.get("status")),
        raw=raw,
    )


def parse_methods(raw: Any) -> dict[str, PayoutMethod]:
    methods: dict[str, PayoutMethod] = {}
    for key, item in _entries(raw):
        if not isinstance(item, dict):
            continue
        code = to_text(item.get("code")) or key
        if code is None:
            continue
        methods[code] = PayoutMethod(
            code=code,
            name=to_texts(item.get("name")),
            category=to_text(item.get("category")),
            logo=to_text(item.get("logo")),
            icon=to_text(item.get("icon")),
        )
    return methods


def parse_prerequest(body: Any) -> Prerequest:
    payload = _resource(data_of(body))
    services: list[PayoutService] = []
    methods = parse_methods(payload.get("methods"))
    account = payload.get("account") if isinstance(payload.get("account"), dict) else None
    for key, item in _entries(payload.get("services")):
        if key == "methods" and isinstance(item, dict) and "currency" not in item:
            methods.update(parse_methods(item))
        elif key == "account" and isinstance(item, dict) and "currency" not in item:
            account = item
        elif (service := parse_service(item, key)) is not None:
            services.append(service)
    return Prerequest(
        currency=to_text(payload.get("currency")) or "",
        amount=_bounded_or_none(payload.get("amount")),
        test_mode=to_bool(payload.get("test_mode")),
        services=tuple(services),
        methods=methods,
        account=account,
    )


def _bounded_or_none(value: Any) -> Any:
    """An echo of what we sent (the asked amount): unusable when out of bounds, not fatal."""
    try:
        return to_decimal(value)
    except OutOfBounds as exc:
        logger.warning("prerequest amount out of bounds ignored: %s", exc)
        return None


# --- private service list -----------------------------------------------------------------


def _related_id(resource: dict[str, Any], name: str) -> str | None:
    return to_text(dig(resource, "relationships", name, "data", "id"))


def parse_service_info(raw: Any) -> ServiceInfo | None:
    """A service of the private list; one with numbers out of bounds is left out (logged)."""
    try:
        return _service_info(raw)
    except OutOfBounds as exc:
        logger.warning("payout service left out: a number out of bounds (%s)", exc)
        return None


def _service_info(raw: Any) -> ServiceInfo | None:
    if not isinstance(raw, dict) or to_text(raw.get("id")) is None:
        return None
    attrs = _resource(raw)
    service = to_text(attrs.get("service")) or _related_id(raw, "payout-service")
    if service is None:
        return None
    return ServiceInfo(
        id=str(raw["id"]),
        service=service,
        method=to_text(attrs.get("service_method")) or _related_id(raw, "payout-method"),
        service_currency=to_text(attrs.get("service_currency")),
        currency=to_text(attrs.get("currency")),
        available=bool(to_bool(attrs.get("available"))),
        active=bool(to_bool(attrs.get("active"))),
        enabled=bool(to_bool(attrs.get("enabled"))),
        amount_min=to_decimal(attrs.get("amount_min")),
        amount_max=to_decimal(attrs.get("amount_max")),
        fee_min=to_decimal(attrs.get("fee_min")),
        fee_max=to_decimal(attrs.get("fee_max")),
        fee_rate=to_decimal(attrs.get("fee_rate")),
        fee_fix=to_decimal(attrs.get("fee_fix")),
        test_mode=to_bool(attrs.get("test_mode")),
        raw=raw,
    )


def parse_service_list(body: Any) -> list[ServiceInfo]:
    return [s for _, item in _entries(data_of(body)) if (s := parse_service_info(item))]


def parse_one_service(body: Any) -> ServiceInfo:
    service = parse_service_info(data_of(body))
    if service is None:
        raise MalformedResponse("The payout service in the answer has no id.", body=body)
    return service


# --- invoices -----------------------------------------------------------------------------


def parse_invoice(raw: Any) -> Invoice | None:
    """An invoice from the private JSON:API resource or the public flat object. Numbers out
    of bounds make the whole answer unreadable (`MalformedResponse`): an invoice is never
    half-read, nor taken as absent."""
    try:
        return _invoice(raw)
    except OutOfBounds as exc:
        raise MalformedResponse(f"An invoice holds a number out of bounds ({exc}).") from exc


def _invoice(raw: Any) -> Invoice | None:
    if not isinstance(raw, dict):
        return None
    attrs = _resource(raw)
    invoice_id = to_code(raw.get("id"), MAX_ID)
    status = to_code(attrs.get("status"), MAX_STATUS)
    if invoice_id is None or status is None:
        return None
    fields = attrs.get("fields")
    return Invoice(
        id=invoice_id,
        status=status,
        resolution=to_code(attrs.get("resolution"), MAX_RESOLUTION),
        amount=to_decimal(attrs.get("amount")),
        currency=to_text(attrs.get("currency")),
        reference_id=to_text(attrs.get("reference_id")),
        service=to_text(attrs.get("service")) or _related_id(raw, "payout-service"),
        service_method=to_text(attrs.get("service_method")) or _related_id(raw, "payout-method"),
        payout_amount=to_decimal(attrs.get("payout_amount")),
        processed_amount=to_decimal(attrs.get("processed_amount")),
        fee=to_decimal(attrs.get("fee")),
        created=to_int(attrs.get("created")),
        updated=to_int(attrs.get("updated")),
        processed=to_int(attrs.get("processed")),
        test_mode=to_bool(attrs.get("test_mode")),
        fields=dict(fields) if isinstance(fields, dict) else {},
        raw=raw,
    )


def parse_one_invoice(body: Any) -> Invoice:
    invoice = parse_invoice(data_of(body))
    if invoice is None:
        raise MalformedResponse("The invoice in the answer has no id or status.", body=body)
    return invoice


def pick_by_reference(body: Any, reference_id: str) -> Invoice | None:
    """The invoice for `reference_id` from `data` given as one object or a list.

    An item naming another reference is never taken; an item naming none (the public view
    may omit it) is taken only when it is the only one the filtered answer holds.
    """
    data = data_of(body)
    items = data if isinstance(data, list) else [data]
    invoices = [inv for item in items if (inv := parse_invoice(item)) is not None]
    for invoice in invoices:
        if invoice.reference_id == reference_id:
            return invoice
    if len(invoices) == 1 and invoices[0].reference_id is None:
        return invoices[0]
    return None


def parse_invoice_page(body: Any) -> InvoicePage:
    data = data_of(body)
    if not isinstance(data, list):
        raise MalformedResponse("The invoice list's `data` is not a list.", body=body)
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    links = body.get("links") if isinstance(body.get("links"), dict) else None
    following = links.get("next") if links is not None else None
    return InvoicePage(
        has_next=None if links is None else isinstance(following, str) and bool(following),
        invoices=tuple(inv for item in data if (inv := parse_invoice(item)) is not None),
        count=_int_or_none(meta.get("count")),
        size=_int_or_none(meta.get("size")),
        before=to_text(meta.get("before")),
        after=to_text(meta.get("after")),
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return to_int(value)
    except OutOfBounds:
        return None
