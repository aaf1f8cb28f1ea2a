"""What differs between a payout as the desk knows it and the provider's invoice: pure
functions of the two, so every kind is tested as a table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from webapp.models import DifferenceKind, Payout
from webapp.provider.types import Invoice
from webapp.provider.values import OutOfBounds, to_decimal

K = DifferenceKind


@dataclass(frozen=True)
class Found:
    kind: DifferenceKind
    desk: str | None
    provider: str | None


def stored_attributes(payout: Payout) -> dict[str, Any]:
    """The attributes of the invoice as the desk last stored them."""
    payload = payout.provider_payload or {}
    attrs = payload.get("attributes") if isinstance(payload, dict) else None
    return attrs if isinstance(attrs, dict) else (payload if isinstance(payload, dict) else {})


def stored_number(payout: Payout, name: str) -> Decimal | None:
    try:
        return to_decimal(stored_attributes(payout).get(name))
    except (OutOfBounds, ArithmeticError, ValueError):
        return None


def _text(value: Decimal | str | None) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


def differences(payout: Payout, invoice: Invoice) -> list[Found]:
    """Status, amount and currency always; fee and processed amount only where both sides
    agree on the status (else they differ because the status does)."""
    found: list[Found] = []
    desk_status = (payout.provider_status or "").lower() or None
    provider_status = invoice.status.lower()
    if desk_status != provider_status:
        found.append(Found(K.STATUS, desk_status, provider_status))
    if invoice.amount is not None and invoice.amount != payout.amount:
        found.append(Found(K.AMOUNT, _text(payout.amount), _text(invoice.amount)))
    if invoice.currency and invoice.currency.upper() != payout.currency.upper():
        found.append(Found(K.CURRENCY, payout.currency, invoice.currency))
    if desk_status != provider_status:
        return found
    fee = stored_number(payout, "fee")
    if fee is not None and invoice.fee is not None and fee != invoice.fee:
        found.append(Found(K.FEE, _text(fee), _text(invoice.fee)))
    processed = stored_number(payout, "processed_amount")
    if processed != invoice.processed_amount and invoice.processed_amount is not None:
        found.append(Found(K.PROCESSED_AMOUNT, _text(processed), _text(invoice.processed_amount)))
    return found
