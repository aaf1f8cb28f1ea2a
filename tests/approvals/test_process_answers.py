"""Every answer the provider can give to the process call, via the sandbox's fault injection.
However it answers, money is asked to move at most once and the payout ends in the truth."""

from __future__ import annotations

import pytest

from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve
from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutStatus, Role
from webapp.payout_core.recovery import recover_payout

S = PayoutStatus
MOVING = {S.PROCESSING, S.PROCESSED}


@pytest.mark.parametrize(
    ("fault", "after_approve", "accepted_after_recovery"),
    [
        ("500_before", S.PROCESSING_UNKNOWN, 1),  # nothing happened: recovery re-asks once
        ("500_after", S.PROCESSING_UNKNOWN, 1),  # it happened: recovery only reads
        ("timeout", S.PROCESSING_UNKNOWN, 1),
        ("drop", S.PROCESSING_UNKNOWN, 1),
        ("malformed", S.PROCESSING_UNKNOWN, 1),
        ("409", S.PROCESSING_UNKNOWN, 1),  # 409 but still created: unknown, resolved by reading
    ],
)
def test_unclear_answers_are_resolved_by_reading(fault, after_approve, accepted_after_recovery,
                                                 make_user, make_payout, sandbox, app,
                                                 monkeypatch):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    sandbox.state.inject("process", fault)
    outcome = approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert outcome.fully_approved and not outcome.processed_ok
    assert outcome.process_answer == "unclear"
    # The worker's read (run at once in tests) may already have adopted what the provider did.
    assert outcome.payout.status in {after_approve, *MOVING}
    assert outcome.payout.last_error
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)  # later: the grace is over
    recover_payout(payout.id)
    recover_payout(payout.id)  # idempotent: a second pass changes nothing more
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status in MOVING
    counters = sandbox.state.counters
    assert counters["process_accepted"][payout.provider_invoice_id] == accepted_after_recovery
    assert counters["process_requests"][payout.provider_invoice_id] <= 2


@pytest.mark.parametrize("fault", ["401", "403", "405", "422"])
def test_a_refusal_returns_the_payout_to_the_queue(fault, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    sandbox.state.inject("process", fault)
    outcome = approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert not outcome.processed_ok and outcome.failure
    stored = outcome.payout
    assert stored.status == S.AWAITING_APPROVAL  # the provider says it is still `created`
    assert stored.approved_by_id is None
    assert db.session.scalar(db.select(db.func.count(PayoutApproval.id))) == 0
    assert sandbox.state.counters["process_accepted"][payout.provider_invoice_id] == 0
    kinds = [e.kind for e in stored.events]
    assert "process_refused" in kinds


@pytest.mark.process_outside_desk
def test_a_409_for_an_already_processing_invoice_adopts_its_status(make_user, make_payout,
                                                                   sandbox):
    from webapp.payout_core.gateway import provider_client

    payout = make_payout(make_user("olga", Role.OPERATOR))
    provider_client().process_invoice(payout.provider_invoice_id)  # processed behind our back
    outcome = approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert outcome.processed_ok
    assert outcome.payout.status in MOVING
    assert sandbox.state.counters["process_accepted"][payout.provider_invoice_id] == 1


def test_recovery_is_a_no_op_for_a_payout_in_flight(make_user, make_payout, sandbox, app):
    """An `approved` payout younger than the grace period may still have its call running."""
    payout = make_payout(make_user("olga", Role.OPERATOR))
    db.session.execute(db.update(Payout).where(Payout.id == payout.id).values(
        status=S.APPROVED.value, process_requests=1))
    db.session.commit()
    recover_payout(payout.id)
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == S.APPROVED
    assert sandbox.state.counters["process_requests"][payout.provider_invoice_id] == 0
