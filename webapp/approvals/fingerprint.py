"""A keyed digest of exactly what would be paid, bound into the approval form."""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import current_app

from webapp.crypto import same_text
from webapp.models import Payout


def fingerprint_of(payout: Payout) -> str:
    """Changes whenever amount, currency, service, recipient fields or version change."""
    material = json.dumps(
        {
            "id": payout.id,
            "version": payout.version,
            "amount": format(payout.amount.normalize(), "f"),
            "currency": payout.currency,
            "service": payout.service_code,
            "fields": payout.fields_masked,
            "encrypted": payout.fields_encrypted,
            "invoice": payout.provider_invoice_id,
        },
        sort_keys=True,
    ).encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"approval:" + material, hashlib.sha256).hexdigest()[:40]


def matches(payout: Payout, fingerprint: str | None) -> bool:
    return bool(fingerprint) and same_text(fingerprint_of(payout), fingerprint)
