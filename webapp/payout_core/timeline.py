"""Timeline events: every step of a payout, written in the same transaction as the step."""

from __future__ import annotations

from typing import Any

from webapp.extensions import db
from webapp.models import Payout, PayoutEvent


def add_event(
    payout: Payout | int,
    kind: str,
    *,
    actor_id: int | None = None,
    status_from: str | None = None,
    status_to: str | None = None,
    message: str | None = None,
    details: dict[str, Any] | None = None,
) -> PayoutEvent:
    payout_id = payout if isinstance(payout, int) else payout.id
    event = PayoutEvent(
        payout_id=payout_id, kind=kind, actor_id=actor_id, status_from=status_from,
        status_to=status_to, message=(message or None) and message[:1024], details=details,
    )
    db.session.add(event)
    return event
