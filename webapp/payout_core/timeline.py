"""Timeline events: every step of a payout, written in the same transaction as the step.

An event is a kind (a code) with parameters, never a sentence: pages word it in the reader's
language (payout_core/labels.py `event_details`). A failure goes in `failure` (see failures.py);
anything else the wording needs goes in as keyword parameters (`reason=`, `batch_id=` …).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.extensions import db
from webapp.models import Payout, PayoutEvent
from webapp.payout_core.failures import Failure

# Told of every event as it joins the session (no SQL of their own: they run inside the
# caller's transaction). Notifications subscribe here; the domain imports no feature.
_listeners: list[Callable[[PayoutEvent], None]] = []


def on_event(listener: Callable[[PayoutEvent], None]) -> Callable[[PayoutEvent], None]:
    """Subscribe `listener` to every timeline event (once, however often it is called)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def add_event(
    payout: Payout | int,
    kind: str,
    *,
    actor_id: int | None = None,
    status_from: str | None = None,
    status_to: str | None = None,
    failure: Failure | None = None,
    **params: Any,
) -> PayoutEvent:
    payout_id = payout if isinstance(payout, int) else payout.id
    details = {key: value for key, value in params.items() if value is not None}
    if failure:
        details["failure"] = failure
    event = PayoutEvent(
        payout_id=payout_id, kind=kind, actor_id=actor_id, status_from=status_from,
        status_to=status_to, details=details or None,
    )
    db.session.add(event)
    for listener in _listeners:
        listener(event)
    return event
