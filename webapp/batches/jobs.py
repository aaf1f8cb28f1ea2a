"""The approved batch's job: each valid row becomes an ordinary payout, created and processed
by the single-payout code (store first, every fault rule of `send_to_provider`, recovery for
unknown outcomes), at a bounded rate.

Resuming is safe because every step is idempotent: a row's payout is found again by its
submission token (`batch:<id>:<row>`), a create whose answer was lost is looked up by
reference_id before anything is sent again, and a process request is claimed by conditional
UPDATE. A lease keeps two runners from working one batch at the same time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from webapp import shutdown
from webapp.audit import record
from webapp.batches.retry import refresh_finished_batches
from webapp.batches.row_steps import settle_row, start_row
from webapp.batches.status import move_batch
from webapp.extensions import db
from webapp.models import Batch, BatchRow, BatchStatus, RowState
from webapp.models.base import utcnow
from webapp.payout_core.recovery import recover_payout
from webapp.queue import crontab, job, on_worker_start, periodic

log = logging.getLogger(__name__)
B = BatchStatus
DEFAULT_RATE = 10.0  # rows per second
DEFAULT_LEASE_SECONDS = 120.0
OPEN_STATES = [RowState.PENDING.value, RowState.UNKNOWN.value]


class RateLimiter:
    """At most `rate` calls of `wait()` per second, spaced evenly (no bursts)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("BATCH_LEASE_SECONDS",
                                                          DEFAULT_LEASE_SECONDS)))


def claim_run(batch_id: int) -> bool:
    """approved → running, or take over a running batch whose runner's lease ran out (the
    status stays `running`: only the lease changes hands)."""
    now = utcnow()
    won = move_batch(batch_id, [B.APPROVED], B.RUNNING, lease_until=now + _lease())
    if not won:
        won = db.session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.status == B.RUNNING.value,
                   or_(Batch.lease_until.is_(None), Batch.lease_until <= now))
            .values(lease_until=now + _lease(), updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
    db.session.commit()
    return won


def _heartbeat(batch_id: int) -> None:
    db.session.execute(update(Batch).where(Batch.id == batch_id)
                       .values(lease_until=utcnow() + _lease())
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _open_rows(batch_id: int, state: str | None = None) -> list[int]:
    states = [state] if state else OPEN_STATES
    return list(db.session.scalars(
        select(BatchRow.id).where(BatchRow.batch_id == batch_id, BatchRow.state.in_(states))
        .order_by(BatchRow.row_number)))


def run_batch(batch_id: int) -> str:
    """Work through the batch's open rows; returns the batch status afterwards (or "busy")."""
    if not claim_run(batch_id):
        return "busy"
    limiter = RateLimiter(float(current_app.config.get("BATCH_RATE_PER_SECOND", DEFAULT_RATE)))
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    assert batch is not None and batch.approved_by_id is not None
    for row_id in _open_rows(batch_id, RowState.PENDING.value):
        if shutdown.requested():
            return hand_back(batch_id)
        limiter.wait()
        _heartbeat(batch_id)
        start_row(batch, row_id)
    # Outcomes the provider hid: the same idempotent recovery every payout gets, then settle.
    for row_id in _open_rows(batch_id, RowState.UNKNOWN.value):
        _heartbeat(batch_id)
        row = db.session.get(BatchRow, row_id)
        if row is not None and row.payout_id is not None:
            recover_payout(row.payout_id)
            settle_row(batch, row_id)
    return finish(batch_id)


def hand_back(batch_id: int) -> str:
    """The worker is stopping: release the lease so the next runner resumes at once, instead
    of waiting for the lease to run out."""
    db.session.execute(update(Batch).where(Batch.id == batch_id).values(lease_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    log.info("worker stopping: batch %s handed back", batch_id)
    return "handed_back"


def finish(batch_id: int) -> str:
    """Done when no row is open; otherwise release the lease and let a later pass resume."""
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    assert batch is not None
    if _open_rows(batch_id):
        batch.lease_until = None
        db.session.commit()
        return batch.status
    failed = db.session.scalar(select(BatchRow.id).where(
        BatchRow.batch_id == batch_id, BatchRow.state == RowState.FAILED.value).limit(1))
    ended = B.DONE_WITH_FAILURES if failed else B.DONE
    if move_batch(batch_id, [B.RUNNING], ended, lease_until=None, finished_at=utcnow()):
        record("batch.finished", actor=None, target=f"batch:{batch.id}",
               details={"status": ended.value})
    db.session.commit()
    db.session.refresh(batch)
    return batch.status


def resume_batches() -> list[int]:
    """Approved or running batches nobody works on (the worker restarted): run them again.
    Finished batches take in provider failures that arrived after their job (this is the
    worker's job: pages only read)."""
    refresh_finished_batches()
    now = utcnow()
    ids = list(db.session.scalars(select(Batch.id).where(or_(
        Batch.status == B.APPROVED.value,
        (Batch.status == B.RUNNING.value)
        & or_(Batch.lease_until.is_(None), Batch.lease_until <= now)))))
    db.session.commit()
    for batch_id in ids:
        log.info("resuming batch %s", batch_id)
        run_batch_task(batch_id)
    return ids


# An approved batch's rows become payouts in the background; safe to run again.
run_batch_task = job()(run_batch)


@periodic(crontab(minute="*"))
def resume_batches_task() -> None:
    """Batches whose runner died (a restart) or that wait on unknown outcomes go on."""
    resume_batches()


@on_worker_start
def resume_batches_on_startup() -> None:
    """A restarted worker picks up batches at once (those whose lease has run out)."""
    resume_batches()
