"""Each way the process call can fail, through the app: what the manager is told and where the
payout ends. A definite refusal puts it back in the queue (it needs a new approval); an unclear
answer is checked by reading, re-sent at most once and only when the read shows the provider
never started it, and otherwise left in an explained state with a "check again" button."""

from __future__ import annotations

import pytest

from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.polling import run_sync_pass

S = PayoutStatus
DEFINITE = ["401", "403", "405", "422"]
UNCLEAR = ["500_before", "500_after", "timeout", "drop", "malformed", "409"]


def _totals(sandbox, invoice_id: str) -> tuple[int, int]:
    totals = sandbox.state.provider_totals()
    return (totals["process_requests"].get(invoice_id, 0),
            totals["process_reached"].get(invoice_id, 0))


def _approve(client, payout) -> str:
    answer = client.post(f"/approvals/{payout.id}/approve", follow_redirects=True,
                         data={"fingerprint": fingerprint_of(payout)})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _stored(payout_id: int) -> Payout:
    db.session.expire_all()
    payout = db.session.get(Payout, payout_id)
    assert payout is not None
    return payout


@pytest.mark.parametrize("fault", DEFINITE)
def test_a_definite_refusal_says_back_in_the_queue(fault, app, make_user, make_payout,
                                                   client_for, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    sandbox.state.inject("process", fault)
    text = _approve(client_for("max"), payout)
    assert f"#{payout.id}" in text
    assert "back in the queue" in text and "needs a new approval" in text
    assert "not clear" not in text and "being checked" not in text
    stored = _stored(payout.id)
    assert stored.status == S.AWAITING_APPROVAL and stored.approved_by_id is None
    assert _totals(sandbox, payout.provider_invoice_id) == (1, 0)
    run_sync_pass(force=True)
    assert _totals(sandbox, payout.provider_invoice_id) == (1, 0)


@pytest.mark.parametrize("fault", UNCLEAR)
def test_an_unclear_answer_says_being_checked_and_is_sent_once(fault, app, make_user,
                                                               make_payout, client_for,
                                                               sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    sandbox.state.inject("process", fault)
    text = _approve(client_for("max"), payout)
    assert f"#{payout.id}" in text
    assert "being checked" in text and "will not be sent twice" in text
    assert "back in the queue" not in text
    for _ in range(2):
        run_sync_pass(force=True)
    assert _stored(payout.id).status in {S.PROCESSING, S.PROCESSED}
    requests, reached = _totals(sandbox, payout.provider_invoice_id)
    assert reached == 1
    # Re-sent only when the first request provably never reached the provider.
    assert requests == (2 if fault in {"500_before", "409"} else 1)


def test_two_unclear_answers_leave_an_explained_state_with_check_again(
        app, make_user, make_payout, client_for, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    manager = client_for("max")
    sandbox.state.inject("process", "500_before", times=5)
    _approve(manager, payout)
    for _ in range(3):
        run_sync_pass(force=True)
    # The first request and one automatic re-send; then the desk stops and explains.
    assert _totals(sandbox, payout.provider_invoice_id) == (2, 0)
    stored = _stored(payout.id)
    assert stored.status == S.PROCESSING_UNKNOWN
    page = manager.get(f"/payouts/{payout.id}").get_data(as_text=True)
    assert "Check again" in page
    assert "not sent again automatically" in page
    sandbox.state.faults.clear()
    assert manager.post(f"/payouts/{payout.id}/check").status_code == 303
    run_sync_pass(force=True)
    assert _stored(payout.id).status in {S.PROCESSING, S.PROCESSED}
    assert _totals(sandbox, payout.provider_invoice_id) == (3, 1)
