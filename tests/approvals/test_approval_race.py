"""N managers (and double clicks) approving one payout at the same instant: one process call."""

from __future__ import annotations

import threading

import pytest

from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import ApprovalRefused, Refusal, approve
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User

THREADS = 8


@pytest.mark.parametrize("round_", range(3))
def test_racing_approvals_send_exactly_one_process_request(round_, app, make_user, make_payout,
                                                           sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    managers = [make_user(f"m{i}", Role.MANAGER).id for i in range(THREADS // 2)]
    approvers = managers + managers  # every manager also double-clicks
    fingerprint = fingerprint_of(payout)
    barrier = threading.Barrier(len(approvers))
    answers: list[str] = []
    lock = threading.Lock()

    def click(manager_id: int) -> None:
        with app.app_context():
            manager = db.session.get(User, manager_id)
            barrier.wait()
            try:
                outcome = approve(payout.id, manager, fingerprint)
                answer = "approved" if outcome.fully_approved else "partial"
            except ApprovalRefused as refused:
                answer = refused.refusal.name
            finally:
                db.session.remove()
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=click, args=(m,)) for m in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == len(approvers)  # every click got a clear answer
    assert answers.count("approved") == 1
    assert set(answers) <= {"approved", Refusal.NOT_WAITING.name}
    invoice = payout.provider_invoice_id
    assert sandbox.state.counters["process_requests"][invoice] == 1
    assert sandbox.state.counters["process_accepted"][invoice] == 1
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status in {PayoutStatus.PROCESSING,
                                                        PayoutStatus.PROCESSED}


def test_racing_http_posts_send_exactly_one_process_request(app, make_user, make_payout,
                                                            client_for, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    clients = [client_for(make_user(f"m{i}", Role.MANAGER).username) for i in range(THREADS)]
    fingerprint = fingerprint_of(payout)
    barrier = threading.Barrier(THREADS)
    codes: list[int] = []

    def post(client) -> None:
        barrier.wait()
        response = client.post(f"/approvals/{payout.id}/approve",
                               data={"fingerprint": fingerprint})
        codes.append(response.status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [303] * THREADS
    assert sandbox.state.counters["process_requests"][payout.provider_invoice_id] == 1
