"""Working without Redis for a while. Redis holds rate-limit counters and the task queue; when
it is away, people must still sign in, callbacks must still be taken, and approvals that were
committed must still say so. What runs in its place:

- rate limits (Flask-Limiter) and login throttling count in this process's memory, and go back
  to Redis once it answers again (checked at most every `RETRY_SECONDS`);
- a job that cannot be queued is left to the worker's sweeps, which find its work in the
  database (waiting callbacks, approved batches, due payouts) once the queue is back.

Every switch is logged once per outage and counted in `payouts_desk_redis_fallback_total`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_SECONDS = 5.0
EXTENSION = "redis_fallback"


def count_fallback(component: str) -> None:
    """One more time this process worked without Redis for `component` (limiter, throttle,
    queue)."""
    if not has_app_context():
        return
    from webapp.observability.metrics import metrics_for

    metrics = metrics_for(current_app)
    if metrics is not None:
        metrics.redis_fallbacks.labels(component=component).inc()


class FallbackStorage:
    """The shared storage while it answers, this process's memory while it does not."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.memory = MemoryStorage()
        self.retry_at = 0.0
        self.lock = threading.Lock()

    def run(self, primary: Storage, work: Callable[[Storage], T]) -> T:
        if isinstance(primary, MemoryStorage) or time.monotonic() >= self.retry_at:
            try:
                result = work(primary)
            except (StorageError, *_errors(primary)) as error:
                self._went_away(error)
            else:
                self._came_back()
                return result
        return work(self.memory)

    def _went_away(self, error: BaseException) -> None:
        with self.lock:
            first = self.retry_at == 0.0
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            log.warning("%s: Redis unreachable (%s); counting in this process's memory until "
                        "it answers", self.component, type(error).__name__)
        count_fallback(self.component)

    def _came_back(self) -> None:
        if self.retry_at == 0.0:
            return
        with self.lock:
            self.retry_at = 0.0
        log.info("%s: Redis answers again; counting there", self.component)


def _errors(storage: Storage) -> tuple[type[BaseException], ...]:
    found = storage.base_exceptions
    return found if isinstance(found, tuple) else (found,)


def fallback_for(app: Flask, component: str) -> FallbackStorage:
    store: dict[str, FallbackStorage] = app.extensions.setdefault(EXTENSION, {})
    if component not in store:
        store[component] = FallbackStorage(component)
    return store[component]


def enqueue_or_defer(task: Callable[..., Any], *args: Any, sweep: str) -> bool:
    """Queue a job; if the queue's store is away, log it and return False: the worker's
    `sweep` finds the same work in the database later, so nothing is lost and the person who
    caused it (an approval, a callback) gets the answer their committed change deserves."""
    try:
        task(*args)
    except Exception as error:  # redis-py raises its own ConnectionError/TimeoutError family
        if not _is_queue_outage(error):
            raise
        log.warning("queue unavailable (%s): %s(%s) left to %s", type(error).__name__,
                    getattr(task, "name", task), ", ".join(map(str, args)), sweep)
        count_fallback("queue")
        return False
    return True


def _is_queue_outage(error: BaseException) -> bool:
    import redis

    return isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))


class _LimiterSwitchCounter(logging.Handler):
    """Flask-Limiter logs when it falls back to memory and when Redis recovers; count the
    first so the fallback shows in /metrics, not only in the log."""

    def emit(self, record: logging.LogRecord) -> None:
        if "falling back to in-memory" in record.getMessage():
            count_fallback("limiter")


def init_app(app: Flask) -> None:
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(h, _LimiterSwitchCounter) for h in limiter_log.handlers):
        limiter_log.addHandler(_LimiterSwitchCounter(level=logging.WARNING))
