"""Turning a stored payout into the provider's create request (same reference_id every time),
with the callback URL from the settings."""

from __future__ import annotations

from flask import current_app

from webapp.models import Payout
from webapp.payout_core.secrets import decrypt_fields
from webapp.provider.types import Customer, InvoiceRequest


def invoice_request_for(payout: Payout, callback_url: str | None) -> InvoiceRequest:
    customer = Customer(
        reference_id=payout.customer_reference_id or payout.reference_id,
        name=payout.customer_name,
        email=payout.customer_email,
        phone=payout.customer_phone,
    )
    return InvoiceRequest(
        reference_id=payout.reference_id,
        service=payout.service_code,
        currency=payout.currency,
        amount=payout.amount,
        fields=decrypt_fields(payout.fields_encrypted),
        callback_url=callback_url,
        description=payout.description,
        customer=customer,
        metadata={"payout_id": str(payout.id)},
        auto_process=False,
    )


def callback_url() -> str | None:
    """Where the provider should post status changes: PAYMEGA_CALLBACK_URL, never guessed from
    the request (a worker has none, and a proxied Host header must not choose it)."""
    configured = current_app.config.get("PAYMEGA_CALLBACK_URL")
    return str(configured) if configured else None
