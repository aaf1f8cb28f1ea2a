"""Validation of `POST /payout-invoices`, as the provider does it: every problem is reported at
once, keyed by field path (`amount`, `fields.card_number`, `customer.reference_id`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from webapp.sandbox.catalogue import Service, convert, known_currency, money_text
from webapp.sandbox.catalogue_data import service_by_code
from webapp.sandbox.request_helpers import parse_amount

BLANK = "This value should not be blank."
INVALID = "This value is not valid."
POSITIVE = "This value should be greater than 0."
MAX_REFERENCE = 255


@dataclass(frozen=True)
class CreateRequest:
    reference_id: str
    service: Service
    currency: str
    amount: Decimal
    fields: dict[str, str]
    attributes: dict[str, Any]


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _check_amount(service: Service | None, currency: str | None, raw: Any,
                  errors: dict[str, str]) -> Decimal | None:
    if not _present(raw):
        errors["amount"] = BLANK
        return None
    amount = parse_amount(raw)
    if amount is None:
        errors["amount"] = "This value should be of type numeric."
    elif amount <= 0:
        errors["amount"] = POSITIVE
    elif service is not None and currency is not None:
        _, converted = convert(amount, currency, service.currency)
        if not service.amount_min <= converted <= service.amount_max:
            low = money_text(service.amount_min, service.precision)
            high = money_text(service.amount_max, service.precision)
            errors["amount"] = (f"This value should be between {low} and {high} "
                                f"{service.currency}.")
    return amount


def check_fields(service: Service, given: Any, errors: dict[str, str]) -> dict[str, str]:
    """Each service field: required present, and the pattern found anywhere in the value
    (PCRE preg_match: an unanchored pattern matches a substring)."""
    if given is not None and not isinstance(given, dict):
        errors["fields"] = "This value should be of type object."
        return {}
    values = {str(k): str(v) for k, v in (given or {}).items() if v is not None}
    for item in service.fields:
        value = values.get(item.key, "")
        if not value.strip():
            if item.required:
                errors[f"fields.{item.key}"] = BLANK
            continue
        if item.regexp and re.search(item.regexp, value) is None:
            errors[f"fields.{item.key}"] = INVALID
    return values


def _check_extras(attributes: dict[str, Any], errors: dict[str, str]) -> None:
    url = attributes.get("callback_url")
    if url is not None:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["callback_url"] = "This value is not a valid URL."
    customer = attributes.get("customer")
    if customer is not None and (not isinstance(customer, dict)
                                 or not _present(customer.get("reference_id"))):
        errors["customer.reference_id"] = BLANK
    options = attributes.get("options")
    if options is not None and not isinstance(options, dict):
        errors["options"] = "This value should be of type object."


def validate_create(body: dict[str, Any] | None) -> tuple[CreateRequest | None, dict[str, str]]:
    """(request, {}) when valid, else (None, errors by field path)."""
    data = (body or {}).get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        return None, {"data": BLANK}
    errors: dict[str, str] = {}
    reference = attributes.get("reference_id")
    if not _present(reference):
        errors["reference_id"] = BLANK
    elif len(str(reference)) > MAX_REFERENCE:
        errors["reference_id"] = f"This value is too long. It should have {MAX_REFERENCE} " \
                                 "characters or less."
    currency = attributes.get("currency")
    if not _present(currency):
        errors["currency"] = BLANK
    elif not known_currency(currency):
        errors["currency"] = "This value is not a valid currency."
    service = service_by_code(attributes.get("service"))
    if not _present(attributes.get("service")):
        errors["service"] = BLANK
    elif service is None:
        errors["service"] = INVALID
    currency_ok = currency if known_currency(currency) else None
    amount = _check_amount(service, currency_ok, attributes.get("amount"), errors)
    values = check_fields(service, attributes.get("fields"), errors) if service else {}
    _check_extras(attributes, errors)
    if errors or service is None or amount is None or currency_ok is None:
        return None, errors
    return CreateRequest(str(reference), service, currency_ok, amount, values, attributes), {}
