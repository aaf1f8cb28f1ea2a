"""The worker's side of reconciliation: a run is a job (started on demand from the page, or
daily at RECONCILIATION_HOUR UTC for the previous day), and a periodic pass resumes runs whose
worker died, from their last cursor."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import ReconciliationRun, RunStatus
from webapp.models.base import utcnow
from webapp.queue import crontab, job, periodic
from webapp.reconciliation import runner

log = logging.getLogger(__name__)


@job()
def reconcile(run_id: int) -> None:
    runner.execute(run_id)


def start(period_start: datetime, period_end: datetime, requested_by_id: int | None
          ) -> ReconciliationRun:
    """A run on demand: stored first, then queued (or run inline where jobs are immediate)."""
    run = runner.create_run(period_start, period_end, requested_by_id=requested_by_id)
    reconcile(run.id)
    return run


def start_daily() -> ReconciliationRun | None:
    """Yesterday's run, once per day however many workers ask (a unique key)."""
    now = utcnow()
    if now.hour != int(current_app.config.get("RECONCILIATION_HOUR", 3)):
        return None
    start_of_day, end_of_day = runner.day_bounds(now - timedelta(days=1))
    key = start_of_day.date().isoformat()
    if db.session.scalar(select(ReconciliationRun.id).where(
            ReconciliationRun.schedule_key == key)) is not None:
        return None
    try:
        run = runner.create_run(start_of_day, end_of_day, requested_by_id=None,
                                schedule_key=key)
    except IntegrityError:
        db.session.rollback()
        return None
    reconcile(run.id)
    return run


def resume_stalled() -> list[int]:
    """Queue again every run left running by a dead worker (stale heartbeat) or queued and
    forgotten; `claim` decides who really takes each."""
    stale = utcnow() - runner._lease()
    ids = list(db.session.scalars(select(ReconciliationRun.id).where(or_(
        (ReconciliationRun.status == RunStatus.RUNNING.value)
        & (ReconciliationRun.heartbeat_at < stale),
        (ReconciliationRun.status == RunStatus.QUEUED.value)
        & (ReconciliationRun.created_at < stale)))))
    for run_id in ids:
        reconcile(run_id)
    return ids


@periodic(crontab(minute="*/5"))
def reconciliation_pass() -> None:
    start_daily()
    resumed = resume_stalled()
    if resumed:
        log.info("reconciliation: resuming runs %s", resumed)
