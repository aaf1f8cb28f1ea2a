"""Lockout per username (5 failures in 15 minutes lock it for 15 minutes) and the per-IP limit."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import limits.storage.memory
import pytest
from accounts_helpers import LOCK_MESSAGE, TEST_PASSWORD, WRONG_MESSAGE, audit_actions, sign_in
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_client
from webapp.extensions import limiter
from webapp.models import Role, User

WRONG = "definitely-not-the-password"


@pytest.fixture
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """Moves the limiter's memory storage through time instead of sleeping 15 minutes."""
    assert isinstance(limiter.storage, limits.storage.memory.MemoryStorage), (
        "these tests travel in time through the memory storage; unset REDIS_URL")
    state = SimpleNamespace(offset=0.0)
    fake_time = SimpleNamespace(time=lambda: time.time() + state.offset)
    monkeypatch.setattr(limits.storage.memory, "time", fake_time)
    yield state


def fail(client: FlaskClient, username: str, times: int) -> None:
    for _ in range(times):
        response = sign_in(client, username, WRONG)
        assert response.status_code == 200 and WRONG_MESSAGE in response.data


def test_five_failures_lock_the_name_even_for_the_right_password(
        client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    fail(client, "olga", 5)
    response = sign_in(client, "olga")
    assert response.status_code == 429
    assert LOCK_MESSAGE in response.data and WRONG_MESSAGE not in response.data
    assert audit_actions()[-1] == "login_locked"


def test_unknown_and_known_names_are_refused_alike(
        app: Flask, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    answers = []
    for name in ("olga", "ghost"):
        client = csrf_client(app)
        fail(client, name, 5)
        response = sign_in(client, name, WRONG)
        flashes = re.search(rb'<div class="flashes".*?</div>', response.data, re.S)
        assert flashes is not None
        answers.append((response.status_code, flashes.group()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429 and LOCK_MESSAGE in answers[0][1]


def test_lock_is_per_name_and_case_blind(client: FlaskClient,
                                         make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    fail(client, "OLGA", 3)
    fail(client, "olga", 2)
    assert sign_in(client, "olga").status_code == 429
    assert sign_in(client, "max").status_code == 303


def test_a_success_does_not_reset_other_names(app: Flask,
                                              make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    attacker = csrf_client(app)
    fail(attacker, "olga", 4)
    assert sign_in(csrf_client(app), "max").status_code == 303
    fail(attacker, "olga", 1)
    assert sign_in(csrf_client(app), "olga").status_code == 429


def test_own_success_forgets_own_failures(client: FlaskClient,
                                          make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    fail(client, "olga", 4)
    assert sign_in(client, "olga").status_code == 303
    client.post("/logout")
    fail(client, "olga", 4)
    assert sign_in(client, "olga").status_code == 303


def test_lock_lasts_fifteen_minutes(client: FlaskClient, make_user: Callable[..., User],
                                    clock: SimpleNamespace) -> None:
    make_user("olga", Role.OPERATOR)
    fail(client, "olga", 5)
    clock.offset = 14 * 60
    assert sign_in(client, "olga").status_code == 429
    clock.offset = 15 * 60 + 1
    assert sign_in(client, "olga").status_code == 303


def test_failures_older_than_the_window_do_not_count(
        client: FlaskClient, make_user: Callable[..., User], clock: SimpleNamespace) -> None:
    make_user("olga", Role.OPERATOR)
    fail(client, "olga", 4)
    clock.offset = 15 * 60 + 1
    fail(client, "olga", 4)
    assert sign_in(client, "olga").status_code == 303


def test_per_ip_limit_counts_failures(app: Flask, make_user: Callable[..., User],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    make_user("olga", Role.OPERATOR)
    attacker = csrf_client(app)
    for name in ("a1", "a2", "a3"):  # different names: the per-name lock never triggers
        assert sign_in(attacker, name, WRONG).status_code == 200
    assert sign_in(attacker, "olga").status_code == 429
    elsewhere = csrf_client(app)
    response = sign_in(elsewhere, "olga", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 303


def test_successful_sign_ins_do_not_spend_the_ip_budget(
        app: Flask, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "2 per minute")
    make_user("olga", Role.OPERATOR)
    for _ in range(4):
        client = csrf_client(app)
        assert sign_in(client, "olga").status_code == 303


def test_wrong_current_password_on_profile_counts_too(
        client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    for _ in range(5):
        response = client.post("/profile/password", data={
            "pw-current_password": WRONG, "pw-new_password": "a-new-passphrase-99",
            "pw-confirm": "a-new-passphrase-99"})
        assert response.status_code == 422
    response = client.post("/profile/password", data={
        "pw-current_password": TEST_PASSWORD,
        "pw-new_password": "a-new-passphrase-99", "pw-confirm": "a-new-passphrase-99"})
    assert response.status_code == 429


def test_lockout_holds_even_with_rate_limiting_switched_off(app, make_user):
    """RATELIMIT_ENABLED=False turns off per-IP limits, never the per-username lockout."""

    make_user("olga")
    app.config["RATELIMIT_ENABLED"] = False
    try:
        client = csrf_client(app)
        for _ in range(5):
            client.post("/login", data={"username": "olga", "password": "wrong-password-1"})
        answer = client.post("/login", data={"username": "olga",
                                             "password": "correct-horse-battery-staple"})
        assert answer.status_code != 303
    finally:
        app.config["RATELIMIT_ENABLED"] = True
        app.extensions.pop("login_throttle_storage", None)
