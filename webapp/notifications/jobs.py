"""The worker's side of notifications: fan-out, delivery, digests and the stuck report.

A timeline event in a committed transaction queues `fan_out_job` (the hook below); the
per-minute `notifications_sweep` does the same work whether or not that queueing happened
(Redis away, a crash), so nothing depends on the hook. Delivery never runs in a user's
request: with TASKS_IMMEDIATE (tests) nothing is queued from the hook; tests run the sweep.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import PayoutEvent
from webapp.notifications import delivery, fanout, others
from webapp.payout_core import timeline
from webapp.queue import crontab, job, periodic

log = logging.getLogger(__name__)
FLAG = "notifications_pending"


@job(retries=3, retry_delay=30)
def deliver_job(notification_id: int) -> str:
    return delivery.deliver(notification_id)


def queue_deliveries(ids: list[int]) -> None:
    for notification_id in ids:
        try:
            deliver_job(notification_id)
        except Exception as error:  # the sweep sends it later
            log.warning("could not queue notification %s: %s", notification_id,
                        type(error).__name__)


def run_once() -> None:
    """Everything the worker does each minute, in order (also what tests call)."""
    queue_deliveries(fanout.fan_out())
    queue_deliveries(fanout.report_stuck())
    queue_deliveries(others.fan_out_others())
    for notification_id in delivery.due_ids():
        delivery.deliver(notification_id)
    delivery.send_digests()


@job(retries=2, retry_delay=10)
def fan_out_job() -> None:
    queue_deliveries(fanout.fan_out())


@periodic(crontab(minute="*"))
def notifications_sweep() -> None:
    run_once()


def _noted(_event: PayoutEvent) -> None:
    """A timeline event joined the session: after its commit, fan out (no SQL here)."""
    db.session().info[FLAG] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(FLAG, False):
        return
    if not has_app_context() or current_app.config.get("TASKS_IMMEDIATE"):
        return  # inline jobs cannot run inside a commit; the sweep (or a test) does it
    if has_request_context():  # one ask when the request ends (a create commits twice)
        g.notifications_fan_out = True
        return
    _ask_for_fan_out()


def _ask_for_fan_out() -> None:
    try:
        fan_out_job()
    except Exception as error:  # the queue is away: the per-minute sweep does it
        log.warning("could not queue the notification fan-out: %s", type(error).__name__)


def _fan_out_after_request(_error: BaseException | None) -> None:
    if g.pop("notifications_fan_out", False):
        _ask_for_fan_out()


def _after_soft_rollback(session: Session, previous: Any) -> None:
    """The events rolled back with their transaction (a savepoint's rollback keeps the flag:
    an extra fan-out costs nothing, a missed one waits for the sweep)."""
    if not getattr(previous, "nested", False):
        session.info.pop(FLAG, None)


def install(state: Any) -> None:
    """Subscribe to the timeline and to commits (idempotent); offer the e-mail counts to
    /metrics."""
    state.app.extensions["notification_emails"] = delivery.email_counts
    state.app.teardown_request(_fan_out_after_request)
    timeline.on_event(_noted)
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_soft_rollback)
