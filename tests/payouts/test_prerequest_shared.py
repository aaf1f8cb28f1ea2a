"""Pre-request answers shared between processes through Redis: a submit on another worker
finds the answer the operator's page just fetched instead of asking the provider again; a bad
or unreachable Redis only means asking the provider, as without it."""

from __future__ import annotations

import os
import socket
from decimal import Decimal

import pytest
import redis

from tests.conftest import app_settings
from webapp import create_app
from webapp.payout_core import prerequest, shared_answers
from webapp.provider.client import PaymegaClient

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def provider_asked(monkeypatch) -> list[tuple[str, Decimal]]:
    """Every pre-request that reached the provider (the sandbox still answers it)."""
    asked: list[tuple[str, Decimal]] = []
    real = PaymegaClient.prerequest_answer

    def counting(self, currency, amount):
        asked.append((currency, amount))
        return real(self, currency, amount)

    monkeypatch.setattr(PaymegaClient, "prerequest_answer", counting)
    return asked


@pytest.fixture
def worker(sandbox, tmp_path):
    """A factory of apps standing for separate gunicorn workers: own process caches, one
    Redis (whose shared answers start and end empty; only those keys are touched)."""
    client = redis.Redis.from_url(REDIS_URL)

    def forget() -> None:
        for name in client.scan_iter(f"{shared_answers.PREFIX}*"):
            client.delete(name)

    def make(redis_url: str | None = REDIS_URL):
        settings = app_settings(f"sqlite:///{tmp_path / 'w.sqlite'}", sandbox.url)
        if redis_url:
            # The limiter is one object shared by every app of the test process: it keeps
            # the memory storage the other tests' apps use.
            settings.update(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI="memory://")
        return create_app(settings)

    forget()
    yield make
    forget()


def _fetch(app, amount: str = "10.00"):
    with app.app_context():
        return prerequest.fetch_prerequest("USD", Decimal(amount))


def test_a_second_worker_reuses_the_answer_through_redis(worker, provider_asked):
    first, second = worker(), worker()
    seen = _fetch(first)
    again = _fetch(second)
    assert len(provider_asked) == 1
    assert [s.code for s in again.services] == [s.code for s in seen.services]
    assert again.service("test_usd") == seen.service("test_usd")
    _fetch(second, "11.00")  # another amount is another question
    assert len(provider_asked) == 2


def test_without_redis_each_worker_asks(worker, provider_asked):
    _fetch(worker(None))
    _fetch(worker(None))
    assert len(provider_asked) == 2


def test_an_unreadable_shared_answer_means_asking_the_provider(worker, provider_asked):
    first = worker()
    _fetch(first)
    client = redis.Redis.from_url(REDIS_URL)
    names = list(client.scan_iter(f"{shared_answers.PREFIX}*"))
    assert len(names) == 1
    client.set(names[0], b'{"data": "not an answer"', ex=30)
    answer = _fetch(worker())
    assert len(provider_asked) == 2 and answer.service("test_usd") is not None


def test_redis_down_means_asking_the_provider(worker, provider_asked):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"redis://127.0.0.1:{port}/0"
    assert _fetch(worker(dead)).service("test_usd") is not None
    assert _fetch(worker(dead)).service("test_usd") is not None
    assert len(provider_asked) == 2
