"""The polling backstop: which payouts are due for a check, and one pass over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Payout
from webapp.models.base import utcnow
from webapp.models.status import FINAL_STATUSES, UNKNOWN_STATUSES, values
from webapp.payout_core.recovery import recover_payout
from webapp.queue import crontab, periodic

MIN_INTERVAL = timedelta(seconds=15)
MAX_INTERVAL = timedelta(minutes=15)
UNKNOWN = values(UNKNOWN_STATUSES)


def check_interval(age: timedelta) -> timedelta:
    """Young payouts are checked often, old ones rarely: a tenth of their age, bounded."""
    return min(MAX_INTERVAL, max(MIN_INTERVAL, age / 10))


def due_payout_ids(now: datetime | None = None, *, force: bool = False,
                   limit: int = 1000) -> list[int]:
    now = now or utcnow()
    rows = db.session.execute(
        select(Payout.id, Payout.updated_at, Payout.last_checked_at, Payout.status)
        .where(Payout.status.not_in([s.value for s in FINAL_STATUSES]))
        .order_by(Payout.last_checked_at.is_not(None), Payout.last_checked_at, Payout.id)
        .limit(limit)
    ).all()
    due = []
    for payout_id, updated_at, last_checked, status in rows:
        checked = last_checked
        if force or checked is None or status in UNKNOWN:
            due.append(payout_id)
            continue
        age = now - (updated_at or now)
        if now - checked >= check_interval(age):
            due.append(payout_id)
    return due


@dataclass(frozen=True)
class SyncReport:
    checked: int
    changed: int


def run_sync_pass(*, force: bool = False) -> SyncReport:
    """Check every due payout once; safe to run concurrently with callbacks and itself."""
    changed = 0
    ids = due_payout_ids(force=force)
    for payout_id in ids:
        before = db.session.scalar(select(Payout.status).where(Payout.id == payout_id))
        recover_payout(payout_id)
        db.session.expire_all()
        after = db.session.scalar(select(Payout.status).where(Payout.id == payout_id))
        changed += before != after
    return SyncReport(checked=len(ids), changed=changed)


@periodic(crontab(minute="*"))
def sync_pass_task() -> None:
    """The polling backstop: every non-final payout that is due, by a schedule that backs off."""
    run_sync_pass()
