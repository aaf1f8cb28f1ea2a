"""One-time set-up links: after two admins create, reset or enable an account, the user
chooses their own password on a link the confirming admin passes on. No admin ever learns a
usable password.

The link is shown once; only a SHA-256 of its token is stored. It works for 24 hours and once
(a conditional UPDATE on `used_at` decides a race). Issuing a link replaces the account's
password with one nobody knows and ends its sessions, so an older password stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from webapp.audit import record, user_target
from webapp.auth.passwords import unusable_password_hash
from webapp.auth.sessions import end_all
from webapp.extensions import db
from webapp.models import SetupLink, User
from webapp.models.base import as_utc, utcnow

LIFETIME = timedelta(hours=24)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user: User, purpose: str, by: User, now: datetime | None = None) -> str:
    """A new link for `user` (older unused links stop working); returns the raw token."""
    now = now or utcnow()
    db.session.execute(
        update(SetupLink).where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None),
                                SetupLink.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    db.session.add(SetupLink(user_id=user.id, token_hash=_digest(token), purpose=purpose,
                             created_by_id=by.id, created_at=now, expires_at=now + LIFETIME))
    user.password_hash = unusable_password_hash()
    end_all(user, "setup_link")
    record("setup_link_issued", actor=by, target=user_target(user), details={"purpose": purpose})
    return token


def find_usable(token: str, now: datetime | None = None) -> SetupLink | None:
    """The unused, unexpired link `token` names, or None."""
    if not token or len(token) > 128:
        return None
    link = db.session.scalar(select(SetupLink).where(SetupLink.token_hash == _digest(token)))
    now = now or utcnow()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= now:
        return None
    if link.user is None or link.user.disabled:
        return None
    return link


def claim(link: SetupLink, now: datetime | None = None) -> bool:
    """Mark the link used; False when another request used it first or it expired."""
    now = now or utcnow()
    return db.session.execute(
        update(SetupLink).where(SetupLink.id == link.id, SetupLink.used_at.is_(None),
                                SetupLink.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
