"""The last line of defence against secrets in logs: card-number-like digit runs are masked
(512381******0000) and known secrets replaced, whatever code wrote the line.

Code must not log secrets in the first place; this catches the mistake that slips through.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from webapp.observability.card_numbers import mask_cards

# 12-19 digits, optionally grouped by single spaces or dashes, not part of a longer word or
# hex string (request ids are hex and must survive).
_CARD_LIKE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){11,18}(?![0-9A-Za-z])")
# Values after a name that says "secret": password=..., "token": "...", Authorization: Basic ...
_NAMED_SECRET = re.compile(
    r"(?i)(\b(?:password|passwd|secret(?:_key)?|token|api[_-]?key|authorization)\b"
    r"[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer)\s+)?)([^\s\"',;&]+)"
)
# Provider secret keys have a recognisable shape even when they are not configured here.
_PROVIDER_SECRET = re.compile(r"\bsk_(?:test|live)_[A-Za-z0-9_-]+")
_MIN_SECRET_LENGTH = 6
REDACTED = "[redacted]"

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secrets(values: Iterable[str | None]) -> None:
    """Add configured secrets (keys, tokens, passwords inside URLs) to the redaction list."""
    with _lock:
        for value in values:
            if value and len(value) >= _MIN_SECRET_LENGTH:
                _secrets.add(value)


def mask_card(digits_text: str) -> str:
    digits = re.sub(r"\D", "", digits_text)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def redact(text: str) -> str:
    """`text` with secrets replaced and card-like numbers masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _PROVIDER_SECRET.sub(REDACTED, text)
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    text = mask_cards(text)  # Luhn-valid, with any separators (dots, +, %20 ...)
    return _CARD_LIKE.sub(lambda m: mask_card(m.group(0)), text)


def url_password(url: str | None) -> str | None:
    """The password inside a database or Redis URL, so it can be registered as a secret."""
    if not url:
        return None
    match = re.match(r"^[a-z0-9+]+://[^:/@]*:([^@/]+)@", url)
    return match.group(1) if match else None
