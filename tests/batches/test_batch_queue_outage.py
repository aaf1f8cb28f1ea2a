"""A batch approval that committed answers success even when the task queue is away: the
worker's resume sweep starts the approved batch once the queue is back, each row paid once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.batches.conftest import accounts
from tests.production.own_redis import OwnRedis, own_redis, queue_on
from webapp.batches.approval import fingerprint_of
from webapp.batches.jobs import resume_batches
from webapp.extensions import db
from webapp.models import Batch, BatchStatus, Role
from webapp.observability.metrics import metrics_for
from webapp.sandbox import SandboxServer


@pytest.fixture
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


def test_a_committed_batch_approval_answers_success_while_the_queue_is_away(
        app: Flask, make_user: Callable[..., Any], make_batch: Callable[..., Batch],
        client_for: Callable[[str], Any], sandbox: SandboxServer, redis_server: OwnRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(3))
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    queue_on(redis_server, app, monkeypatch)
    redis_server.stop()
    metrics = metrics_for(app)
    assert metrics is not None
    queued = metrics.redis_fallbacks.labels(component="queue")
    before = queued._value.get()  # the test session's app counts across tests
    answer = manager.post(f"/batches/{batch.id}/approve",
                          data={"fingerprint": fingerprint_of(batch)})
    # Before: run_batch_task raised ConnectionError after the commit: a 500 for an approval
    # that had happened.
    assert answer.status_code == 303
    page = manager.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Batch approved" in page
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == BatchStatus.APPROVED
    assert queued._value.get() - before == 1
    assert sandbox.state.stats()["invoices"] == 0

    monkeypatch.setitem(app.config, "TASKS_IMMEDIATE", True)  # the queue is back (inline here)
    assert resume_batches() == [batch.id]  # the worker's once-a-minute sweep
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == BatchStatus.DONE
    stats = sandbox.state.stats()
    assert stats["invoices"] == 3
    assert sum(stats["process_requests"].values()) == 3
    assert resume_batches() == []
