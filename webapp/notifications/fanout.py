"""From timeline events to stored notifications, in the worker, never in the payout's own
transaction: a bug or a slow query here can never block or undo a payout.

The timeline is the outbox: `fan_out()` reads recent events not yet marked in
`notification_sources`, stores each event's notifications and its mark in one commit. Run
twice (or by two workers at once) it stores nothing twice: the mark's primary key and the
notifications' (key, user) uniqueness refuse the second commit, which is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Notification, NotificationSource, Payout, PayoutEvent, User
from webapp.models.base import as_utc, utcnow
from webapp.models.notification import Digest, EmailState
from webapp.models.status import UNKNOWN_STATUSES, values
from webapp.notifications import addresses
from webapp.notifications.events import Event
from webapp.notifications.preferences import preferences_of
from webapp.notifications.recipients import Planned, payout_params, plan, stuck_recipients

log = logging.getLogger(__name__)
# Events older than this are not fanned out any more (a desk restored from a backup must not
# mail the past); well beyond any worker outage we would still want to report.
LOOKBACK = timedelta(days=2)
BATCH = 200


def email_enabled() -> bool:
    return bool(current_app.config.get("SMTP_URL") and current_app.config.get("MAIL_FROM"))


def store(planned: Planned, subject: str = "payout", subject_id: int | None = None,
          now: datetime | None = None) -> list[Notification]:
    """Add one notification per recipient (skipping ones already stored); caller commits."""
    now = now or utcnow()
    mail = email_enabled()
    added = []
    for user_id in planned.user_ids:
        exists = db.session.scalar(select(Notification.id).where(
            Notification.idempotency_key == planned.key, Notification.user_id == user_id))
        if exists is not None:
            continue
        user = db.session.get(User, user_id)
        if user is None or user.disabled:
            continue
        pref = preferences_of(user_id)[planned.event]
        state, due = EmailState.NONE, None
        if mail and pref.email and addresses.address_of(user_id):
            if pref.digest == Digest.IMMEDIATE:
                state, due = EmailState.PENDING, now
            else:
                state = EmailState.DIGEST
        row = Notification(user_id=user_id, event=planned.event.value, subject=subject,
                           subject_id=subject_id, params=planned.params,
                           idempotency_key=planned.key, created_at=now,
                           email_state=state.value, email_due_at=due)
        db.session.add(row)
        added.append(row)
    return added


def _unprocessed(since: datetime) -> list[PayoutEvent]:
    done = select(NotificationSource.key)
    key = db.literal("payout_event:") + db.cast(PayoutEvent.id, db.String)
    return list(db.session.scalars(
        select(PayoutEvent).where(PayoutEvent.at >= since, key.not_in(done))
        .order_by(PayoutEvent.id).limit(BATCH)))


def fan_out(now: datetime | None = None) -> list[int]:
    """Store the notifications of every event not handled yet; returns the new ids that wait
    for an e-mail now (the caller queues their delivery)."""
    now = now or utcnow()
    to_send: list[int] = []
    for event in _unprocessed(now - LOOKBACK):
        event_id = event.id
        try:
            payout = db.session.get(Payout, event.payout_id)
            rows: list[Notification] = []
            if payout is not None:
                for planned in plan(event, payout):
                    rows += store(planned, "payout", payout.id, now)
            db.session.add(NotificationSource(key=f"payout_event:{event_id}", done_at=now))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another worker stored this event's notifications
            continue
        except Exception:
            db.session.rollback()
            log.exception("notifications for payout event %s failed", event_id)
            continue
        to_send += [r.id for r in rows if r.email_state == EmailState.PENDING.value]
    return to_send


def report_stuck(now: datetime | None = None) -> list[int]:
    """Payouts whose outcome stayed unknown past NOTIFY_STUCK_MINUTES: their creator and every
    admin hear once per stuck spell (the key carries when the spell began)."""
    now = now or utcnow()
    minutes = int(current_app.config.get("NOTIFY_STUCK_MINUTES", 30))
    # The spell began with the event that moved the payout into its current status (later
    # polls touch the row, not the status).
    began = db.func.max(PayoutEvent.at)
    stuck = db.session.execute(
        select(Payout, began).join(PayoutEvent, PayoutEvent.payout_id == Payout.id)
        .where(Payout.status.in_(values(UNKNOWN_STATUSES)), Payout.batch_id.is_(None),
               PayoutEvent.status_to == Payout.status)
        .group_by(Payout.id)
        .having(began <= now - timedelta(minutes=minutes), began >= now - LOOKBACK)).all()
    to_send: list[int] = []
    for payout, since_at in stuck:
        since = int(as_utc(since_at).timestamp())
        planned = Planned(Event.PAYOUT_STUCK, stuck_recipients(payout),
                          f"payout:{payout.id}:stuck:{payout.status}:{since}",
                          {**payout_params(payout), "minutes": minutes})
        try:
            rows = store(planned, "payout", payout.id, now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        to_send += _pending(rows)
    return to_send


def _pending(rows: Iterable[Notification]) -> list[int]:
    return [r.id for r in rows if r.email_state == EmailState.PENDING.value]
