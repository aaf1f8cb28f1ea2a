"""Recipient fields at rest: masked for display, encrypted (Fernet) so a create can be re-sent."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from webapp.crypto import fernet
from webapp.observability.card_numbers import mask_cards

PAN_DIGITS = re.compile(r"^\d{12,19}$")
SEPARATORS = re.compile(r"[\s.\-+_/\\]|%2[0bBdDeE]")
SENSITIVE_KEY = re.compile(r"card|pan|cvv|cvc", re.IGNORECASE)

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


def _fernet() -> Fernet:
    # A key derived from SECRET_KEY for this one purpose (see webapp/crypto.py).
    return fernet(b"fields")


def encrypt_fields(fields: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(fields, sort_keys=True).encode()).decode()


def decrypt_fields(token: str) -> dict[str, str]:
    return dict(json.loads(_fernet().decrypt(token.encode())))


def mask_value(key: str, value: str) -> str:
    """Card numbers keep the first six and last four digits (512381******0000), whatever
    separates their digits; one inside a longer text is masked in place."""
    compact = SEPARATORS.sub("", value)
    if PAN_DIGITS.match(compact):
        return compact[:6] + "*" * (len(compact) - 10) + compact[-4:]
    if SENSITIVE_KEY.search(key) and len(compact) > 4:
        return "*" * (len(compact) - 4) + compact[-4:]
    return mask_cards(value)


def mask_fields(fields: dict[str, str]) -> dict[str, str]:
    return {key: mask_value(key, value) for key, value in fields.items()}
