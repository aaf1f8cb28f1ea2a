"""Sending notification e-mails: at most once each, retried with backoff until then.

The order of one attempt is what makes it safe:
1. connect, greet, log in, MAIL FROM, RCPT TO: any failure here means nothing was sent, so the
   row stays `pending` with a later `email_due_at` (backoff) and the attempt counted;
2. claim: UPDATE … SET email_state='sending' WHERE email_state='pending' (or 'digest'),
   committed; only the worker whose UPDATE matched goes on;
3. DATA: the server takes the message (with its fixed Message-ID);
4. record `sent`.
A crash (or a lost connection) after 2 leaves `sending`: never picked up again, so a retry can
never send a second copy; the in-app notification is there either way. The window is one SMTP
command long. After MAX_ATTEMPTS refusals the e-mail is given up (`failed`).
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import Notification, Payout, PayoutStatus, User
from webapp.models.base import as_utc, utcnow
from webapp.models.notification import Digest, EmailState
from webapp.notifications import addresses, mailer
from webapp.notifications.events import Event
from webapp.notifications.preferences import DIGEST_PERIOD, preferences_of
from webapp.notifications.render import message_id, render

log = logging.getLogger(__name__)
E = EmailState
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=4))
MAX_ATTEMPTS = len(BACKOFF) + 1


def _config() -> tuple[str, str] | None:
    url, sender = current_app.config.get("SMTP_URL"), current_app.config.get("MAIL_FROM")
    return (url, sender) if url and sender else None


def _set(ids: Sequence[int], from_state: E, **values: object) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.id.in_(ids),
                                   Notification.email_state == from_state.value)
        .values(**values).execution_options(synchronize_session=False))
    return int(result.rowcount)


def _refused(ids: Sequence[int], from_state: E, attempts: int, error: str,
             now: datetime) -> None:
    """Nothing was sent: count the attempt, wait (backoff), or give up after the last."""
    if attempts >= MAX_ATTEMPTS:
        _set(ids, from_state, email_state=E.FAILED.value, email_attempts=attempts,
             email_error=error[:255])
    else:
        _set(ids, from_state, email_attempts=attempts, email_error=error[:255],
             email_due_at=now + BACKOFF[attempts - 1])
    db.session.commit()


def send(user: User, rows: Sequence[Notification], from_state: E, name: str,
         now: datetime) -> str:
    """One e-mail for `rows` (all `from_state`, all `user`'s) in the order above; returns the
    outcome: sent | refused | taken (another worker claimed it) | unclear | off."""
    config = _config()
    address = addresses.address_of(user.id)
    ids = [r.id for r in rows]
    if config is None or not address:
        _set(ids, from_state, email_state=E.NONE.value)
        db.session.commit()
        return "off"
    url, sender = config
    attempts = max(r.email_attempts for r in rows) + 1
    rendered = render(user, rows)
    mid = message_id(name)
    message = mailer.compose(sender, address, rendered.subject, rendered.text, rendered.html,
                             mid, rendered.language)
    db.session.rollback()  # end the read transaction; nothing is held across SMTP
    try:
        with mailer.session(url) as server:
            mailer.envelope(server, sender, address)
            if _set(ids, from_state, email_state=E.SENDING.value, email_attempts=attempts,
                    email_message_id=mid) != len(ids):
                db.session.rollback()
                server.rset()
                return "taken"
            db.session.commit()  # from here on this e-mail is never sent again
            try:
                mailer.hand_over(server, message)
            except smtplib.SMTPDataError as refused:
                # A definite refusal of the message itself: it was not taken.
                _set(ids, E.SENDING, email_state=from_state.value)
                db.session.commit()
                _refused(ids, from_state, attempts, f"message refused ({refused.smtp_code})",
                         now)
                return "refused"
            except (OSError, smtplib.SMTPException) as lost:
                # Lost mid-message: the server may have it. Never again (no duplicate).
                _set(ids, E.SENDING, email_error=f"outcome unknown: {type(lost).__name__}")
                db.session.commit()
                return "unclear"
            record_sent(ids)
    except (OSError, smtplib.SMTPException, mailer.SmtpRefused) as error:
        db.session.rollback()
        if _still(ids, E.SENDING):
            return "sent"  # the error came after DATA (at QUIT): the message was taken
        _refused(ids, from_state, attempts, f"{type(error).__name__}: {error}"[:255], now)
        log.warning("notification e-mail to user %s not sent (attempt %s): %s", user.id,
                    attempts, type(error).__name__)
        return "refused"
    return "sent"


def _still(ids: Sequence[int], state: E) -> bool:
    return bool(db.session.scalar(select(db.func.count()).where(
        Notification.id.in_(ids), Notification.email_state == state.value)))


def record_sent(ids: Sequence[int]) -> None:
    """Step 4: the server took it."""
    _set(ids, E.SENDING, email_state=E.SENT.value, email_sent_at=utcnow(), email_error=None)
    db.session.commit()


def deliver(notification_id: int, now: datetime | None = None) -> str:
    """Send one pending notification's e-mail if it is due."""
    now = now or utcnow()
    row = db.session.get(Notification, notification_id, populate_existing=True)
    if row is None or row.email_state != E.PENDING.value:
        return "done"
    if row.email_due_at is not None and as_utc(row.email_due_at) > now:
        return "later"
    user = db.session.get(User, row.user_id)
    assert user is not None
    return send(user, [row], E.PENDING, f"notification-{row.id}", now)


def due_ids(now: datetime | None = None, limit: int = 200) -> list[int]:
    now = now or utcnow()
    return list(db.session.scalars(select(Notification.id).where(
        Notification.email_state == E.PENDING.value, Notification.email_due_at <= now)
        .order_by(Notification.id).limit(limit)))


def send_digests(now: datetime | None = None) -> dict[int, str]:
    """Each person's waiting-for-approval digest, once its period has passed since the oldest
    item in it. Payouts decided meanwhile are left out (no e-mail about them)."""
    now = now or utcnow()
    rows = db.session.scalars(select(Notification).where(
        Notification.email_state == E.DIGEST.value).order_by(Notification.id)).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    outcomes: dict[int, str] = {}
    for user_id, items in by_user.items():
        period = DIGEST_PERIOD.get(preferences_of(user_id)[Event.PAYOUT_WAITING].digest)
        if period is None:  # switched back to immediate: send them one by one
            period = timedelta(0)
        if now - min(as_utc(r.created_at) for r in items) < period:
            continue
        decided = [r.id for r in items if not _still_waiting(r)]
        if decided:
            _set(decided, E.DIGEST, email_state=E.NONE.value)
            db.session.commit()
        live = [r for r in items if r.id not in decided]
        user = db.session.get(User, user_id)
        if not live or user is None:
            continue
        name = f"digest-{user_id}-{live[0].id}-{live[-1].id}"
        outcomes[user_id] = send(user, live, E.DIGEST, name, now)
    return outcomes


def _still_waiting(row: Notification) -> bool:
    payout = db.session.get(Payout, row.subject_id) if row.subject_id else None
    return payout is not None and payout.status == PayoutStatus.AWAITING_APPROVAL.value


__all__ = ["Digest", "deliver", "due_ids", "record_sent", "send", "send_digests"]


def email_counts() -> dict[str, int]:
    """Notification e-mails by state, for /metrics (read from the database, so the web
    processes report what the worker sent)."""
    rows = db.session.execute(select(Notification.email_state, db.func.count())
                              .group_by(Notification.email_state)).all()
    found = {str(state): int(count) for state, count in rows}
    return {state.value: found.get(state.value, 0) for state in E}
