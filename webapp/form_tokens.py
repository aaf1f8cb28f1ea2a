"""Submission tokens: the one-time token a form carries so that a second click or a reload finds
the payout the first one made.

A token is random and bound to the user who received the form: a UUID whose first 8 bytes are
random and whose last 8 are a keyed MAC of (user id, those bytes). Showing a form stores nothing
(GET never writes); the payout row keeps the token beside its creator (and whoever resent it).
A token presented by another user fails the MAC and is refused, so nobody can take someone
else's token to have their payout shown as the other person's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from flask import current_app

from webapp.crypto import same_text


def _mac(user_id: int, nonce: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"submission-token:%d:" % user_id + nonce, hashlib.sha256).digest()[:8]


def issue(user_id: int) -> str:
    nonce = secrets.token_bytes(8)
    return str(uuid.UUID(bytes=nonce + _mac(user_id, nonce)))


def belongs_to(token: str | None, user_id: int) -> bool:
    """True when `token` was issued to `user_id` (by this deployment's key)."""
    try:
        raw = uuid.UUID(str(token or "")).bytes
    except ValueError:
        return False
    return same_text(_mac(user_id, raw[:8]).hex(), raw[8:].hex())
