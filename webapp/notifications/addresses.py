"""People's e-mail addresses. Admins and the users CLI set one directly; a person changing
their own on the settings page gets a confirmation link at the new address first (so a typo or
a stolen session cannot silently redirect the notifications)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from webapp.extensions import db
from webapp.models import EmailAddress
from webapp.models.base import as_utc, utcnow

CONFIRM_FOR = timedelta(hours=24)
# Deliberately plain: one @, no spaces, a dot in the domain; the SMTP server has the last word.
_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AddressError(ValueError):
    """The address does not look like one (the message says so)."""


def clean(address: str) -> str:
    value = (address or "").strip()
    if len(value) > 254 or not _SHAPE.match(value):
        raise AddressError("not an e-mail address")
    return value


def _row(user_id: int) -> EmailAddress:
    row = db.session.get(EmailAddress, user_id)
    if row is None:
        row = EmailAddress(user_id=user_id)
        db.session.add(row)
    return row


def address_of(user_id: int) -> str | None:
    row = db.session.get(EmailAddress, user_id)
    return row.address if row else None


def pending_of(user_id: int) -> str | None:
    row = db.session.get(EmailAddress, user_id)
    return row.pending_address if row else None


def set_address(user_id: int, address: str | None) -> None:
    """Set (or with None/"" clear) the confirmed address; the caller commits."""
    row = _row(user_id)
    row.address = clean(address) if address else None
    row.pending_address = row.pending_token_hash = row.pending_expires_at = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_change(user_id: int, address: str) -> str:
    """Remember `address` as waiting for confirmation; returns the token for the link."""
    row = _row(user_id)
    row.pending_address = clean(address)
    token = secrets.token_urlsafe(32)
    row.pending_token_hash = _hash(token)
    row.pending_expires_at = utcnow() + CONFIRM_FOR
    return token


def confirm(user_id: int, token: str) -> str | None:
    """The confirmed address when `token` is this user's live one, else None; caller commits."""
    row = db.session.get(EmailAddress, user_id)
    if (row is None or not row.pending_token_hash or not row.pending_expires_at
            or not secrets.compare_digest(row.pending_token_hash, _hash(token or ""))
            or as_utc(row.pending_expires_at) < utcnow()):
        return None
    row.address = row.pending_address
    row.pending_address = row.pending_token_hash = row.pending_expires_at = None
    return row.address
