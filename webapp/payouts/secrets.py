"""Recipient fields at rest: masked for display, encrypted (Fernet) so a create can be re-sent."""

from __future__ import annotations

import base64
import json
import re

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PAN_DIGITS = re.compile(r"^\d{12,19}$")
SENSITIVE_KEY = re.compile(r"card|pan|cvv|cvc", re.IGNORECASE)


def _fernet() -> Fernet:
    # A key derived from SECRET_KEY for this one purpose; rotating SECRET_KEY needs a re-encrypt.
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"payouts-desk", info=b"fields").derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_fields(fields: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(fields, sort_keys=True).encode()).decode()


def decrypt_fields(token: str) -> dict[str, str]:
    return dict(json.loads(_fernet().decrypt(token.encode())))


def mask_value(key: str, value: str) -> str:
    """Card numbers keep the first six and last four digits (512381******0000)."""
    compact = re.sub(r"[\s-]", "", value)
    if PAN_DIGITS.match(compact):
        return compact[:6] + "*" * (len(compact) - 10) + compact[-4:]
    if SENSITIVE_KEY.search(key) and len(compact) > 4:
        return "*" * (len(compact) - 4) + compact[-4:]
    return value


def mask_fields(fields: dict[str, str]) -> dict[str, str]:
    return {key: mask_value(key, value) for key, value in fields.items()}
