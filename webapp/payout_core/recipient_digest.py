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

from webapp.payout_core.money import quantize
from webapp.payout_core.secrets import decrypt_fields


def recipient_digest(service_code: str, currency: str, fields: Mapping[str, str],
                     amount: Decimal) -> str:
    """64 hex digits; 10, 10.0 and 10.00 are one amount. The amount is rounded to the
    currency's precision first: SQLite hands a stored 70329669.60 back as 70329669.59999999."""
    exact = quantize(Decimal(amount), currency).normalize()
    material = json.dumps([service_code, currency, sorted(fields.items()), format(exact, "f")],
                          ensure_ascii=False)
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"batch-recipient:" + material.encode(), hashlib.sha256).hexdigest()


def digest_of_stored(service_code: str, currency: str, amount: Decimal,
                     fields_encrypted: str | None) -> str | None:
    """The digest of a payout stored without one (by a worker still running the version
    before the column, during a rolling deploy), from its decrypted fields; None when they
    do not decrypt (another SECRET_KEY wrote them)."""
    from cryptography.fernet import InvalidToken  # loaded only for such a row

    if not fields_encrypted:
        return None
    try:
        fields = decrypt_fields(fields_encrypted)
    except (InvalidToken, ValueError):
        return None
    return recipient_digest(service_code, currency, fields, amount)
