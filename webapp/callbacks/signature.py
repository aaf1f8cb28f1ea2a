"""X-Signature: base64 of the raw SHA-1 digest of secret + raw body + secret (DESIGN.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    key = secret.encode()
    return base64.b64encode(hashlib.sha1(key + body + key).digest()).decode()  # noqa: S324


def is_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """Constant-time comparison; a missing signature is never valid."""
    if not signature:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), signature.strip().encode())
