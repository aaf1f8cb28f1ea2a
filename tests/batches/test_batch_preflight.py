"""Issue 25's pre-flight for batches: a batch's invoices are created only after its approval,
with the service as quoted at upload. Before the batch is approved the pre-request is asked
again for its smallest and largest amount; when the provider's terms changed (withdrawn,
unavailable, limits, rate) or it cannot be asked, the approval stops with the values then and
now, the batch keeps waiting, and the provider hears neither a create nor a process call."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.batches.conftest import accounts
from webapp.batches.approval import fingerprint_of
from webapp.extensions import db
from webapp.models import AuditEvent, Batch, BatchStatus, Role
from webapp.payout_core.prerequest import clear_cache


def _change(sandbox: Any, code: str, **changes: Any) -> None:
    answer = requests.post(f"{sandbox.url}/_sandbox/services/{code}", json=changes, timeout=5)
    assert answer.status_code == 200, answer.text


def _calls(sandbox: Any, counter: str) -> int:
    return sum(sandbox.state.provider_totals()[counter].values())


@pytest.fixture
def waiting_batch(make_user, make_batch):
    batch = make_batch(make_user("olga", Role.OPERATOR),
                       accounts(2, amount="10.00") + accounts(1, amount="40.00", start=5000))
    make_user("max", Role.MANAGER)
    clear_cache()
    return batch


def _approve(client_for, batch: Batch) -> str:
    answer = client_for("max").post(f"/batches/{batch.id}/approve", follow_redirects=True,
                                    data={"fingerprint": fingerprint_of(batch)})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.mark.parametrize(("changes", "words"), [
    ({"gone": True}, "no longer offers service test_usd"),
    ({"status": "unavailable"}, "is unavailable at the provider now"),
    ({"amount_max": "20"}, "outside the service&#39;s limits now"),  # the 40.00 row
    ({"rate_factor": "1.05"}, "moved from 1 to 1.05 (5.00%"),
])
def test_a_changed_service_stops_the_batch_approval_before_anything_is_sent(
        waiting_batch, sandbox, client_for, changes, words):
    _change(sandbox, "test_usd", **changes)
    page = _approve(client_for, waiting_batch)
    assert words in page
    assert "Nothing was sent to the provider; the batch still waits for approval." in page
    assert _calls(sandbox, "create_requests") == 0 and _calls(sandbox, "process_requests") == 0
    db.session.expire_all()
    stored = db.session.get(Batch, waiting_batch.id)
    assert stored.status == BatchStatus.AWAITING_APPROVAL and stored.approved_by_id is None
    refusal = db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "batch.approval_refused"))
    assert refusal is not None and refusal.details["reason"] == "preflight"


def test_a_provider_that_cannot_be_asked_stops_the_batch_approval(waiting_batch, sandbox,
                                                                   client_for):
    sandbox.state.inject("prerequest", "500_before", times=5)
    page = _approve(client_for, waiting_batch)
    assert "could not be asked whether service test_usd still fits" in page
    assert _calls(sandbox, "create_requests") == 0


def test_unchanged_terms_let_the_batch_go(waiting_batch, sandbox, client_for):
    page = _approve(client_for, waiting_batch)
    assert "Batch approved" in page
    db.session.expire_all()
    assert db.session.get(Batch, waiting_batch.id).status != BatchStatus.AWAITING_APPROVAL
