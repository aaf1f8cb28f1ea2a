"""Background work on Huey: SQLite storage under instance/ by default, Redis with REDIS_URL.

Tests run tasks inline (immediate mode). The worker process (`python -m webapp.worker`) runs
the consumer with the periodic polling backstop.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task
from huey.signals import SIGNAL_ENQUEUED

from webapp.config import INSTANCE_DIR
from webapp.observability import context as request_context

T = TypeVar("T")
_worker_app: Flask | None = None


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("payouts-desk", url=redis_url)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("payouts-desk", filename=str(INSTANCE_DIR / "huey.sqlite"))


huey = _make_huey()


def traced(func: Callable[..., T]) -> Callable[..., T]:
    """The job runs under the id of the request that queued it (the `request_id` keyword added
    by `_stamp_request_id`), so its log lines and provider calls carry that id; a job queued
    outside a request gets a fresh one. Declare the task with `traced=True` too."""

    @functools.wraps(func)
    def run(*args: Any, request_id: str | None = None, **kwargs: Any) -> T:
        with request_context.bound(request_id):
            return func(*args, **kwargs)

    return run


@huey.signal(SIGNAL_ENQUEUED)
def _stamp_request_id(_signal: str, task: Task, *_args: Any, **_kwargs: Any) -> None:
    if getattr(task, "traced", False) and "request_id" not in task.kwargs:
        task.kwargs["request_id"] = request_context.current_request_id()


def in_app_context(work: Callable[..., T], *args: Any) -> T:
    """Run inside the current app context (inline tasks) or the worker's own app."""
    if has_app_context():
        return work(*args)
    global _worker_app
    if _worker_app is None:
        from webapp import create_app

        _worker_app = create_app()
    from webapp.extensions import db

    with _worker_app.app_context():
        try:
            return work(*args)
        finally:
            db.session.remove()


@huey.task(retries=3, retry_delay=5, traced=True)
@traced
def apply_callback_task(log_id: int) -> str:
    from webapp.callbacks.services import apply_callback

    return in_app_context(apply_callback, log_id)


@huey.periodic_task(crontab(minute="*"))
@traced
def sync_pass_task() -> None:
    """The polling backstop: every non-final payout that is due, by a schedule that backs off."""
    from webapp.payout_core.polling import run_sync_pass

    in_app_context(run_sync_pass)


@huey.task(traced=True)
@traced
def run_batch_task(batch_id: int) -> str:
    """An approved batch's rows become payouts (webapp/batches/jobs.py); safe to run again."""
    from webapp.batches.jobs import run_batch

    return in_app_context(run_batch, batch_id)


@huey.periodic_task(crontab(minute="*"))
@traced
def resume_batches_task() -> None:
    """Batches whose runner died (a restart) or that wait on unknown outcomes go on."""
    from webapp.batches.jobs import resume_batches

    in_app_context(resume_batches)


@huey.on_startup()
def resume_batches_on_startup() -> None:
    """A restarted worker picks up batches at once (those whose lease has run out)."""
    from webapp.batches.jobs import resume_batches

    in_app_context(resume_batches)


def init_app(app: Flask) -> None:
    if app.config.get("TESTING") or app.config.get("TASKS_IMMEDIATE"):
        huey.immediate = True
