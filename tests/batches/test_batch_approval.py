"""A batch is approved as one item by the single-payout rules: managers only, never the
uploader, bound to what was shown, a second manager above the limit, one winner in a race;
nothing reaches the provider before approval, and a rejected batch never does."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from tests.batches.conftest import accounts, csv_bytes, service
from webapp.auth.stepup import STEP_UP_KEY
from webapp.batches.approval import (
    BatchRefusal,
    BatchRefused,
    approve_batch,
    fingerprint_of,
    reject_batch,
)
from webapp.batches.services import read_file, replace_rows, submit_batch
from webapp.extensions import db
from webapp.models import ApprovalLimit, Batch, BatchStatus, Payout, Role, User

B = BatchStatus


def _status(batch: Batch) -> str:
    db.session.expire_all()
    return db.session.get(Batch, batch.id).status


def _payouts() -> int:
    return len(db.session.scalars(db.select(Payout)).all())


def test_the_uploader_cannot_approve_even_as_a_manager(make_user, make_batch, sandbox):
    boss = make_user("boss", Role.MANAGER)
    batch = make_batch(boss, accounts(2))
    with pytest.raises(BatchRefused) as refused:
        approve_batch(batch.id, boss, fingerprint_of(batch))
    assert refused.value.refusal == BatchRefusal.OWN
    with pytest.raises(BatchRefused):
        reject_batch(batch.id, boss, "no", fingerprint_of(batch))
    assert _status(batch) == B.AWAITING_APPROVAL and _payouts() == 0


def test_operators_are_refused_by_the_service_and_the_route(make_user, make_batch, client_for,
                                                            sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(1))
    other = make_user("oleg", Role.OPERATOR)
    with pytest.raises(BatchRefused) as refused:
        approve_batch(batch.id, other, fingerprint_of(batch))
    assert refused.value.refusal == BatchRefusal.NOT_MANAGER
    answer = client_for("oleg").post(f"/batches/{batch.id}/approve",
                                     data={"fingerprint": fingerprint_of(batch)})
    assert answer.status_code == 403 and _status(batch) == B.AWAITING_APPROVAL


def test_a_draft_cannot_be_approved(make_user, make_batch, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(1), submit=False)
    with pytest.raises(BatchRefused) as refused:
        approve_batch(batch.id, make_user("max", Role.MANAGER), fingerprint_of(batch))
    assert refused.value.refusal == BatchRefusal.NOT_WAITING


def test_the_fingerprint_binds_the_approval_to_what_was_shown(app, make_user, make_batch,
                                                              sandbox):
    olga = make_user("olga", Role.OPERATOR)
    batch = make_batch(olga, accounts(2), submit=False)
    shown = fingerprint_of(batch)
    with app.test_request_context():
        report = read_file("p.csv", csv_bytes(accounts(2, amount="20.00")), service(), "USD",
                           "en", batch.id)
    assert replace_rows(batch, olga, "p.csv", report)
    assert submit_batch(batch, olga)
    manager = make_user("max", Role.MANAGER)
    for fingerprint in (shown, "", "0" * 40):
        with pytest.raises(BatchRefused) as refused:
            approve_batch(batch.id, manager, fingerprint)
        assert refused.value.refusal == BatchRefusal.CHANGED
    assert fingerprint_of(batch) != shown
    assert approve_batch(batch.id, manager, fingerprint_of(batch)).fully_approved


def test_approval_runs_the_job_and_every_row_is_paid_once(make_user, make_batch, client_for,
                                                          sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(3))
    manager = make_user("max", Role.MANAGER)
    answer = client_for("max").post(f"/batches/{batch.id}/approve",
                                    data={"fingerprint": fingerprint_of(batch)})
    assert answer.status_code == 303
    assert _status(batch) == B.DONE
    payouts = db.session.scalars(db.select(Payout)).all()
    assert len(payouts) == 3
    assert {p.batch_id for p in payouts} == {batch.id}
    assert {p.approved_by_id for p in payouts} == {manager.id}
    assert all(n == 1 for n in sandbox.state.counters["invoices_stored"].values())
    assert all(sandbox.state.counters["process_accepted"][p.provider_invoice_id] == 1
               for p in payouts)


def test_reject_needs_a_reason_and_sends_nothing(make_user, make_batch, client_for, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    manager = make_user("max", Role.MANAGER)
    with pytest.raises(BatchRefused) as refused:
        reject_batch(batch.id, manager, "  ", fingerprint_of(batch))
    assert refused.value.refusal == BatchRefusal.REASON_REQUIRED
    answer = client_for("max").post(f"/batches/{batch.id}/reject", data={
        "reason": "wrong month", "fingerprint": fingerprint_of(batch)})
    assert answer.status_code == 303
    db.session.expire_all()
    batch = db.session.get(Batch, batch.id)
    assert (batch.status, batch.rejection_reason, batch.rejected_by_id) == (
        B.REJECTED, "wrong month", manager.id)
    with pytest.raises(BatchRefused):
        approve_batch(batch.id, manager, fingerprint_of(batch))
    assert _payouts() == 0 and sandbox.state.counters["create_requests"] == {}


def test_above_the_limit_a_second_manager_must_approve(make_user, make_batch, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(3, amount="40.00"))
    first = make_user("max", Role.MANAGER)
    second = make_user("mia", Role.MANAGER)
    db.session.add(ApprovalLimit(user_id=first.id, currency="USD", max_amount=Decimal("100")))
    db.session.commit()
    outcome = approve_batch(batch.id, first, fingerprint_of(batch))
    assert not outcome.fully_approved and _status(batch) == B.AWAITING_APPROVAL
    assert _payouts() == 0
    with pytest.raises(BatchRefused) as refused:
        approve_batch(batch.id, first, fingerprint_of(batch))
    assert refused.value.refusal == BatchRefusal.ALREADY_APPROVED_BY_YOU
    assert approve_batch(batch.id, second, fingerprint_of(batch)).fully_approved
    assert _status(batch) == B.APPROVED


def test_within_the_limit_one_manager_is_enough(make_user, make_batch, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2, amount="40.00"))
    manager = make_user("max", Role.MANAGER)
    db.session.add(ApprovalLimit(user_id=manager.id, currency="USD", max_amount=Decimal("80")))
    db.session.commit()
    assert approve_batch(batch.id, manager, fingerprint_of(batch)).fully_approved


def test_racing_managers_one_winner(app, make_user, make_batch, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    managers = [make_user(f"m{i}", Role.MANAGER).id for i in range(4)]
    fingerprint = fingerprint_of(batch)
    barrier = threading.Barrier(len(managers) * 2)
    answers: list[str] = []
    lock = threading.Lock()

    def click(manager_id: int) -> None:
        with app.app_context():
            manager = db.session.get(User, manager_id)
            barrier.wait()
            try:
                approve_batch(batch.id, manager, fingerprint)
                answer = "approved"
            except BatchRefused as refused:
                answer = refused.refusal.name
            finally:
                db.session.remove()
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=click, args=(m,)) for m in managers * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8
    assert answers.count("approved") == 1 and answers.count("NOT_WAITING") == 7
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).approved_by_id in managers


def test_the_batch_page_offers_the_decision(make_user, make_batch, manager_client,
                                                   sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    page = manager_client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Approve batch" in page and fingerprint_of(batch) in page
    assert "Person 0" in page  # the sample rows
    listing = manager_client.get("/batches/").get_data(as_text=True)
    assert f"/batches/{batch.id}" in listing


def test_the_approvals_queue_links_waiting_batches(make_user, make_batch, manager_client,
                                                   sandbox):
    assert "Batches awaiting approval" not in manager_client.get("/approvals/").get_data(
        as_text=True)
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    page = manager_client.get("/approvals/").get_data(as_text=True)
    assert "Batches awaiting approval" in page and f'href="/batches/{batch.id}"' in page


def test_deciding_a_batch_needs_a_fresh_code(make_user, make_batch, client_for, sandbox):
    """As for single payouts: without a recent authenticator code, back to step-up."""
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(1))
    make_user("max", Role.MANAGER)
    client = client_for("max")
    with client.session_transaction() as session:
        session.pop(STEP_UP_KEY, None)
    for action in ("approve", "reject"):
        answer = client.post(f"/batches/{batch.id}/{action}", data={
            "fingerprint": fingerprint_of(batch), "reason": "no"})
        assert answer.status_code == 303 and "step-up" in answer.headers["Location"]
    assert _status(batch) == B.AWAITING_APPROVAL
