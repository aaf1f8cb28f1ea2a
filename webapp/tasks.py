"""Background work on Huey: SQLite storage under instance/ by default, Redis with REDIS_URL.

Tests run tasks inline (immediate mode). The worker process (`python -m webapp.worker`) runs
the consumer with the periodic polling backstop.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from webapp.config import INSTANCE_DIR

T = TypeVar("T")
_worker_app: Flask | None = None


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("payouts-desk", url=redis_url)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("payouts-desk", filename=str(INSTANCE_DIR / "huey.sqlite"))


huey = _make_huey()


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


@huey.task(retries=3, retry_delay=5)
def apply_callback_task(log_id: int) -> str:
    from webapp.callbacks.services import apply_callback

    return in_app_context(apply_callback, log_id)


@huey.task()
def recover_payout_task(payout_id: int) -> None:
    from webapp.payouts.recovery import recover_payout

    in_app_context(recover_payout, payout_id)


@huey.periodic_task(crontab(minute="*"))
def sync_pass_task() -> None:
    """The polling backstop: every non-final payout that is due, by a schedule that backs off."""
    from webapp.payouts.polling import run_sync_pass

    in_app_context(run_sync_pass)


def init_app(app: Flask) -> None:
    if app.config.get("TESTING") or app.config.get("TASKS_IMMEDIATE"):
        huey.immediate = True
