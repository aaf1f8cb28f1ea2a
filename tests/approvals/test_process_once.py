"""Process exactly once on the wire, against a provider that answers process with 2xx and keeps
the invoice `created` for five minutes (the spec's own sample answer). Every pass the desk has
(polling, recovery, `flask payouts recover` run three times at once, a landing approval racing
the sync pass) runs repeatedly; the provider must hear exactly one process call per payout."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask

from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.polling import run_sync_pass
from webapp.payout_core.recovery import recover_payout
from webapp.sandbox import SandboxServer

S = PayoutStatus
HOLD_SECONDS = 300


@pytest.fixture
def held(app: Flask, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A provider that takes five minutes to start; every payout counts as stale at once."""
    sandbox.state.hold_created_seconds = HOLD_SECONDS
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    monkeypatch.setitem(app.config, "RECOVERY_BACKOFF_SECONDS", 0.01)
    yield
    sandbox.state.hold_created_seconds = 0


def _requests(sandbox: SandboxServer, invoice_id: str) -> int:
    return sandbox.state.provider_totals()["process_requests"].get(invoice_id, 0)


def _every_pass_twice(app: Flask) -> None:
    for _ in range(2):
        run_sync_pass(force=True)
        run_sync_pass()
        result = app.test_cli_runner().invoke(args=["payouts", "recover"])
        assert result.exit_code == 0, result.output
        for payout_id in db.session.scalars(db.select(Payout.id)):
            recover_payout(payout_id)


def test_a_held_invoice_gets_one_process_call_and_the_page_says_processing(
        app, held, make_user, make_payout, client_for, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    answer = manager.post(f"/approvals/{payout.id}/approve",
                          data={"fingerprint": fingerprint_of(payout)})
    assert answer.status_code == 303
    _every_pass_twice(app)
    assert _requests(sandbox, payout.provider_invoice_id) == 1
    assert sandbox.state.get(payout.provider_invoice_id).status == "created"
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status == S.PROCESSING and stored.process_requests == 1
    page = manager.get(f"/payouts/{payout.id}").get_data(as_text=True)
    assert 'data-status="processing"' in page
    assert not re.search(r"\b409\b", page) and "checking with provider" not in page.lower()
    assert 'data-kind="process_accepted"' in page
    assert "Being paid by the provider; waiting for the result" in page


def test_the_approval_flash_says_the_provider_is_processing(
        app, held, make_user, make_payout, client_for, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    answer = manager.post(f"/approvals/{payout.id}/approve", follow_redirects=True,
                          data={"fingerprint": fingerprint_of(payout)})
    text = answer.get_data(as_text=True)
    assert "The provider is processing" in text
    assert "not clear" not in text


def test_three_concurrent_recover_runs_send_nothing_more(
        app, held, make_user, make_payout, client_for, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    payouts = [make_payout(creator, amount=f"{10 + i}.00") for i in range(10)]
    for payout in payouts:
        manager.post(f"/approvals/{payout.id}/approve",
                     data={"fingerprint": fingerprint_of(payout)})
    barrier = threading.Barrier(3)
    errors: list[str] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                result = app.test_cli_runner().invoke(args=["payouts", "recover"])
                if result.exit_code != 0:
                    errors.append(result.output)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [_requests(sandbox, p.provider_invoice_id) for p in payouts] == [1] * 10


def test_an_approval_landing_just_before_the_sync_pass_is_sent_once(
        app, held, make_user, make_payout, sandbox, monkeypatch):
    """The sync pass reads the payout while the approval's call is on the wire (with the
    grace period a deployment has: timeouts + 5 s)."""
    from webapp.approvals.services import approve

    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", None)
    payout = make_payout(make_user("olga", Role.OPERATOR))
    manager = make_user("max", Role.MANAGER)
    sandbox.state.inject("process", "slow")  # the approval's call takes a while
    sandbox.state.slow_seconds = 0.6
    approving = threading.Thread(target=_approve_in_context,
                                 args=(app, approve, payout.id, manager.id,
                                       fingerprint_of(payout)))
    approving.start()
    try:
        for _ in range(5):
            run_sync_pass(force=True)
    finally:
        approving.join(timeout=30)
        sandbox.state.slow_seconds = 3.0
    run_sync_pass(force=True)
    assert _requests(sandbox, payout.provider_invoice_id) == 1


def _approve_in_context(app, approve, payout_id, manager_id, fingerprint) -> None:
    from webapp.models import User

    with app.app_context():
        try:
            approve(payout_id, db.session.get(User, manager_id), fingerprint)
        finally:
            db.session.remove()


def test_concurrent_recover_runs_resend_an_unclear_request_once(
        app, make_user, make_payout, client_for, sandbox, monkeypatch):
    """Ten approvals whose process answers were lost before reaching the provider; three
    `flask payouts recover` at once after the grace period: one re-send each, no more."""
    creator = make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    payouts = [make_payout(creator, amount=f"{20 + i}.00") for i in range(10)]
    sandbox.state.inject("process", "500_before", times=10)
    for payout in payouts:
        manager.post(f"/approvals/{payout.id}/approve",
                     data={"fingerprint": fingerprint_of(payout)})
    db.session.expire_all()
    assert {db.session.get(Payout, p.id).status for p in payouts} == {S.PROCESSING_UNKNOWN}
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    barrier = threading.Barrier(3)
    errors: list[str] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                result = app.test_cli_runner().invoke(args=["payouts", "recover"])
                if result.exit_code != 0:
                    errors.append(result.output)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    totals = sandbox.state.provider_totals()
    assert [totals["process_requests"].get(p.provider_invoice_id) for p in payouts] == [2] * 10
    assert [totals["process_reached"].get(p.provider_invoice_id) for p in payouts] == [1] * 10
