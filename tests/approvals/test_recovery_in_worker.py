"""Recovery and re-reads run in the worker: a user's request that meets an unclear provider answer
queues the check and returns; it never reads, re-sends or sleeps itself."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from webapp.approvals.fingerprint import fingerprint_of
from webapp.models import Role

pytestmark = pytest.mark.worker_stopped


def _reads(sandbox) -> int:
    stats = sandbox.state.stats()
    return sum(stats["get_requests"].values()) + sum(stats["find_requests"].values())


@pytest.mark.parametrize("fault", ["500_after", "drop", "500_before"])
def test_an_unclear_process_answer_is_checked_by_the_worker(fault, app, make_user, make_payout,
                                                            client_for, sandbox, queued):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    sandbox.state.inject("process", fault)
    answer = client_for("max").post(f"/approvals/{payout.id}/approve",
                                    data={"fingerprint": fingerprint_of(payout)})
    assert answer.status_code == 303
    assert queued == [payout.id]
    assert _reads(sandbox) == 0
    assert sum(sandbox.state.provider_totals()["process_requests"].values()) == 1


def test_check_again_queues_the_check(app, make_user, make_payout, client_for, sandbox, queued):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    answer = client_for("max").post(f"/payouts/{payout.id}/check")
    assert answer.status_code == 303
    assert queued == [payout.id]
    assert _reads(sandbox) == 0


def test_an_unclear_create_answer_is_resolved_by_the_worker(app, make_user, sandbox, queued):
    from webapp.payout_core.create import PayoutDraft, submit_payout
    from webapp.payout_core.gateway import provider_client

    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    assert service is not None
    sandbox.state.inject("create", "500_after")
    outcome = submit_payout(PayoutDraft(
        service=service, currency="USD", amount=Decimal("10.00"), fields={"account": "12345"},
        submission_token=str(uuid.uuid4())), make_user("olga", Role.OPERATOR))
    assert outcome.payout is not None
    assert queued == [outcome.payout.id]
    assert _reads(sandbox) == 0
    assert sum(sandbox.state.provider_totals()["create_requests"].values()) == 1
