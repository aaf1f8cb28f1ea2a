"""Symmetric encryption at rest with keys derived from SECRET_KEY, one key per purpose.

Each purpose (recipient fields, TOTP secrets…) gets its own HKDF-derived Fernet key, so a value
encrypted for one purpose cannot be decrypted as another. Rotating SECRET_KEY needs a re-encrypt.
"""

from __future__ import annotations

import base64
import hmac
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


def fernet(purpose: bytes) -> Fernet:
    # Imported here: the library is ~8 MB resident, and a worker serving lists, pages and
    # approvals never encrypts (bench item 5; tests/test_worker_imports.py).
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"payouts-desk", info=purpose).derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_text(purpose: bytes, text: str) -> str:
    return fernet(purpose).encrypt(text.encode()).decode()


def decrypt_text(purpose: bytes, token: str) -> str:
    return fernet(purpose).decrypt(token.encode()).decode()


def same_text(expected: str, given: str | None) -> bool:
    """Constant-time equality of two texts; any input (non-ASCII too) is simply unequal."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))
