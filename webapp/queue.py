"""Background jobs on Huey, set up from the app's Config (never from the environment at import).

Features declare their jobs here with `job()` / `periodic()`; nothing here imports a feature.
Where the queue lives comes from Config: Redis with REDIS_URL, else the SQLite file
TASK_QUEUE_PATH. An app with TASKS_IMMEDIATE (tests, the demo) runs its jobs inline through a
second, in-memory Huey; the choice is per app, so no process-wide switch is flipped. The worker
(`python -m webapp.worker`) runs the consumer for the queued Huey with the periodic jobs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context

from webapp import huey_loader
from webapp.observability import context as request_context

huey_loader.load()  # before any name from Huey: it must not load unused drivers (see there)
from huey import Huey, MemoryHuey, crontab  # noqa: E402
from huey.api import Task, TaskWrapper  # noqa: E402
from huey.signals import SIGNAL_ENQUEUED  # noqa: E402
from huey.storage import BaseStorage, SqliteStorage  # noqa: E402

__all__ = ["crontab", "job", "on_worker_start", "periodic"]

T = TypeVar("T")
NAME = "payouts-desk"


class ConfiguredHuey(Huey):
    """A Huey whose storage is opened on first use from the settings given to `configure`,
    so importing the jobs neither reads the environment nor creates a file."""

    def create_storage(self) -> BaseStorage | None:
        self._open: Callable[[], BaseStorage] | None = getattr(self, "_open", None)
        return None

    def configure(self, redis_url: str | None, sqlite_path: str | None,
                  sqlite_synchronous: str = "NORMAL") -> None:
        if redis_url:
            self._open = functools.partial(huey_loader.redis_storage, self.name, redis_url)
        else:
            path = Path(sqlite_path or "huey.sqlite")
            self._open = functools.partial(_sqlite_storage, self.name, path, sqlite_synchronous)
        self._storage = None

    @property  # type: ignore[override]
    def storage(self) -> BaseStorage:
        if getattr(self, "_storage", None) is None:
            if self._open is None:
                raise RuntimeError("the task queue is not configured (queue.init_app)")
            self._storage = self._open()
        return self._storage

    @storage.setter
    def storage(self, value: BaseStorage | None) -> None:
        self._storage = value


class QueueFile(SqliteStorage):
    """The queue's SQLite file kept as the desk keeps its own (webapp/sqlite_tuning.py): WAL,
    synced at checkpoints, or at every commit with SQLITE_SYNCHRONOUS=FULL. Huey's default
    synced every commit: 0.44 ms per job queued here (0.035 ms without), and a create queues
    one. A power cut can lose the newest jobs; the per-minute sweeps and the polling pass
    redo what they were for."""

    def __init__(self, name: str, filename: str, synchronous: str) -> None:
        self._synchronous = "FULL" if synchronous.upper() == "FULL" else "NORMAL"
        super().__init__(name, filename=filename)

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute(f"pragma synchronous={self._synchronous}")
        return connection


def _sqlite_storage(name: str, path: Path, synchronous: str) -> SqliteStorage:
    path.parent.mkdir(parents=True, exist_ok=True)
    return QueueFile(name, str(path), synchronous)


queued = ConfiguredHuey(NAME)
inline = MemoryHuey(NAME + "-inline", immediate=True)
_worker_app: Flask | None = None


def traced(func: Callable[..., T]) -> Callable[..., T]:
    """The job runs under the id of the request that queued it (the `request_id` keyword added
    by `_stamp_request_id`), so its log lines and provider calls carry that id; a job queued
    outside a request gets a fresh one."""

    @functools.wraps(func)
    def run(*args: Any, request_id: str | None = None, **kwargs: Any) -> T:
        with request_context.bound(request_id):
            return func(*args, **kwargs)

    return run


def _stamp_request_id(_signal: str, task: Task, *_args: Any, **_kwargs: Any) -> None:
    if "request_id" not in task.kwargs:
        task.kwargs["request_id"] = request_context.current_request_id()


queued.signal(SIGNAL_ENQUEUED)(_stamp_request_id)
inline.signal(SIGNAL_ENQUEUED)(_stamp_request_id)


def in_app_context(work: Callable[..., T], *args: Any) -> T:
    """Run inside the current app context (inline jobs) or the worker's own app."""
    if has_app_context():
        return work(*args)
    if _worker_app is None:
        raise RuntimeError("no app for this job: the worker calls queue.bind_worker_app first")
    from webapp.extensions import db

    with _worker_app.app_context():
        try:
            return work(*args)
        finally:
            db.session.remove()


class Job:
    """One job registered on both Hueys; calling it queues it, or runs it inline when the
    current app says TASKS_IMMEDIATE."""

    def __init__(self, func: Callable[..., Any], **options: Any) -> None:
        body = traced(functools.partial(in_app_context, func))
        functools.update_wrapper(body, func)
        self.queued: TaskWrapper = queued.task(**options)(body)
        self.inline: TaskWrapper = inline.task(**options)(body)

    def _wrapper(self) -> TaskWrapper:
        immediate = has_app_context() and current_app.config.get("TASKS_IMMEDIATE")
        return self.inline if immediate else self.queued

    def __call__(self, *args: Any) -> Any:
        return self._wrapper()(*args)

    def s(self, *args: Any) -> Task:
        return self._wrapper().s(*args)


def job(**options: Any) -> Callable[[Callable[..., Any]], Job]:
    """Declare a background job: `@job(retries=3, retry_delay=5)` over a plain function that
    runs in an app context; call the result with the function's arguments to queue it."""
    return lambda func: Job(func, **options)


def periodic(schedule: Callable[..., bool]) -> Callable[[Callable[[], Any]], Any]:
    """A job the worker runs on `schedule` (a huey crontab), in the worker's app context."""

    def declare(func: Callable[[], Any]) -> Any:
        body = traced(functools.partial(in_app_context, func))
        functools.update_wrapper(body, func)
        return queued.periodic_task(schedule)(body)

    return declare


def on_worker_start(func: Callable[[], Any]) -> Callable[[], Any]:
    """Run `func` (in the worker's app context) when the consumer starts."""

    def start() -> None:
        in_app_context(func)

    queued.on_startup(func.__name__)(start)
    return func


def bind_worker_app(app: Flask) -> None:
    """The worker's app: jobs it runs open their app context from it."""
    global _worker_app
    _worker_app = app


def pending_count() -> int:
    return int(queued.pending_count())


def init_app(app: Flask) -> None:
    queued.configure(app.config.get("REDIS_URL"), app.config.get("TASK_QUEUE_PATH"),
                     app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))
    app.extensions["queue_depth"] = pending_count
