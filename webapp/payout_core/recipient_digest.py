"""One keyed digest per (service, currency, recipient fields, amount): two payouts, or a payout
and a batch row, with equal digests repeat each other. Stored with each payout and batch row,
so a duplicate check is one indexed lookup with nothing decrypted. Keyed by SECRET_KEY, so a
digest read from the database says nothing about a card number."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal

from flask import current_app


def recipient_digest(service_code: str, currency: str, fields: Mapping[str, str],
                     amount: Decimal) -> str:
    """64 hex digits; 10, 10.0 and 10.00 are one amount."""
    material = json.dumps([service_code, currency, sorted(fields.items()),
                           format(Decimal(amount).normalize(), "f")], ensure_ascii=False)
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"batch-recipient:" + material.encode(), hashlib.sha256).hexdigest()
