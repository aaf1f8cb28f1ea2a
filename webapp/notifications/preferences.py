"""Per person and event: e-mail or not, and how often waiting payouts are e-mailed.
No row means the default: e-mail on, immediately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import NotificationPreference
from webapp.models.notification import Digest
from webapp.notifications.events import Event

DIGEST_PERIOD = {Digest.HOURLY: timedelta(hours=1), Digest.DAILY: timedelta(days=1)}
# Only "waiting for approval" can come as a digest; the rest matter one by one.
DIGESTIBLE = frozenset({Event.PAYOUT_WAITING})


@dataclass(frozen=True)
class Preference:
    email: bool = True
    digest: Digest = Digest.IMMEDIATE


def preferences_of(user_id: int) -> dict[Event, Preference]:
    rows = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id))
    found = {row.event: row for row in rows}
    result = {}
    for event in Event:
        row = found.get(event.value)
        result[event] = Preference() if row is None else Preference(
            row.email, Digest(row.digest) if event in DIGESTIBLE else Digest.IMMEDIATE)
    return result


def set_preference(user_id: int, event: Event, email: bool,
                   digest: Digest = Digest.IMMEDIATE) -> None:
    """Store one preference; the caller commits."""
    row = db.session.get(NotificationPreference, (user_id, event.value))
    if row is None:
        row = NotificationPreference(user_id=user_id, event=event.value)
        db.session.add(row)
    row.email = email
    row.digest = (digest if event in DIGESTIBLE else Digest.IMMEDIATE).value
