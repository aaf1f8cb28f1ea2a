"""Redis away: people still sign in (limits and throttling count in process memory, logged and
metered, and go back to Redis when it answers), signed callbacks are still taken and stored
(the worker's sweep applies them once the queue is back), and a committed batch approval
answers success. Redis here is a server of the test's own, killed and restarted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask

from tests.conftest import CSRFClient, app_settings, login, wait_for
from tests.production.own_redis import OwnRedis, own_redis, queue_on
from webapp import degraded
from webapp.approvals.fingerprint import fingerprint_of as payout_fingerprint
from webapp.approvals.services import approve
from webapp.callbacks import services as callback_services
from webapp.callbacks.signature import sign
from webapp.extensions import db, limiter
from webapp.models import CallbackLog, Payout, PayoutStatus, Role
from webapp.observability.metrics import metrics_for
from webapp.sandbox import SandboxServer

SECRET = "sk_test_sandbox"


@pytest.fixture
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(degraded, "RETRY_SECONDS", 0.2)
    # The limiter is one module-level object; an app built here points it at our Redis.
    # Give it back to the test session's app as it was.
    saved = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(saved)


def fallbacks(app: Flask, component: str) -> float:
    metrics = metrics_for(app)
    assert metrics is not None
    return float(metrics.redis_fallbacks.labels(component=component)._value.get())


@pytest.fixture
def redis_app(app: Flask, database_url: str, sandbox: SandboxServer, redis_server: OwnRedis,
              build_app: Callable[[dict[str, Any]], Flask]) -> Flask:
    """An app whose limits and throttling live in our Redis (the `app` fixture's database)."""
    built = build_app(app_settings(database_url, sandbox.url, REDIS_URL=redis_server.url()))
    assert built.config["RATELIMIT_STORAGE_URI"] == redis_server.url()
    built.test_client_class = CSRFClient
    return built


def test_sign_ins_go_on_while_redis_is_away_and_counting_returns_to_it(
        redis_app: Flask, redis_server: OwnRedis, make_user: Callable[..., Any]) -> None:
    make_user("olga", Role.OPERATOR)
    make_user("tess", Role.OPERATOR)
    assert login(redis_app.test_client(), "olga").status_code == 303  # Redis up: as always
    redis_server.stop()
    # Before: the rate limiter raised ConnectionError and every POST /login was a 500.
    assert login(redis_app.test_client(), "olga").status_code == 303
    for attempt in range(5):
        failed = login(redis_app.test_client(), "tess", password=f"wrong-{attempt}")
        assert failed.status_code == 200, attempt
    locked = login(redis_app.test_client(), "tess")  # the right password, but locked
    assert locked.status_code == 429  # the lockout holds in this process's memory
    assert fallbacks(redis_app, "throttle") >= 1  # a fresh app: counted by this test alone
    assert fallbacks(redis_app, "limiter") >= 1

    redis_server.start()
    time.sleep(0.3)  # past RETRY_SECONDS: the next sign-in asks Redis again
    assert login(redis_app.test_client(), "nobody", password="wrong").status_code == 200
    keys = [k.decode() for k in redis_server.client().keys("*")]
    assert any("login-fail" in key for key in keys), keys  # counting is back in Redis


@pytest.fixture
def take_queue_away(app: Flask, redis_server: OwnRedis, monkeypatch: pytest.MonkeyPatch
                    ) -> Callable[[], None]:
    """The task queue on our Redis, then Redis gone: enqueueing raises ConnectionError."""

    def take_away() -> None:
        queue_on(redis_server, app, monkeypatch)
        redis_server.stop()

    return take_away


def test_a_callback_is_stored_while_the_queue_is_away_and_the_sweep_applies_it(
        app: Flask, client: Any, make_user: Callable[..., Any],
        make_payout: Callable[..., Any], sandbox: SandboxServer,
        take_queue_away: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    sandbox.state.callbacks_enabled = False  # callbacks by hand here
    approve(payout.id, make_user("max", Role.MANAGER), payout_fingerprint(payout))
    take_queue_away()
    queued_before = fallbacks(app, "queue")  # the test session's app counts across tests
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    body = requests.get(f"{sandbox.url}/payout-invoices/{payout.provider_invoice_id}",
                        auth=("sandbox", SECRET), timeout=5).content
    answer = client.post("/callbacks/paymega", data=body, csrf=False, headers={
        "Content-Type": "application/json", "X-Signature": sign(body, SECRET)})
    # Before: enqueueing raised ConnectionError: a 500, and the provider retried for nothing.
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "received")
    entry = db.session.scalar(db.select(CallbackLog))
    assert entry is not None and entry.outcome == "received"
    assert fallbacks(app, "queue") - queued_before == 1

    monkeypatch.setattr(callback_services, "WAITING_AFTER", timedelta(0))
    assert callback_services.apply_waiting_callbacks() == 1  # the worker's sweep, queue back
    db.session.expire_all()
    assert db.session.get(CallbackLog, entry.id).outcome == "applied"
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PROCESSED
    assert callback_services.apply_waiting_callbacks() == 0  # applied once
