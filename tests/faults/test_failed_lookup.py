"""Only a look-up that answers "absent" proves that nothing was created. A create whose answer
was lost, followed by an error on the look-up by reference_id (a 422 included), must leave the
payout `creation_unknown` with the failure noted: marking it failed_to_create would let it be
sent again as a new payout while the provider already holds its invoice (paid twice)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core import recovery
from webapp.payout_core.create import PayoutDraft, submit_payout
from webapp.payout_core.gateway import provider_client

S = PayoutStatus
pytestmark = pytest.mark.worker_stopped


def _dropped_create(make_user) -> Payout:
    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    assert service is not None
    outcome = submit_payout(PayoutDraft(
        service=service, currency="USD", amount=Decimal("10.00"), fields={"account": "12345"},
        submission_token=str(uuid.uuid4())), make_user("olga", Role.OPERATOR))
    assert outcome.payout is not None
    return outcome.payout


@pytest.mark.parametrize("fault", ["422", "401", "403", "405", "500_before", "malformed"])
def test_an_error_on_the_look_up_leaves_the_payout_unknown(fault, app, make_user, sandbox,
                                                          queued):
    app.config["RECOVERY_BACKOFF_SECONDS"] = 0
    sandbox.state.inject("create", "drop")  # stored at the provider, answer lost
    payout = _dropped_create(make_user)
    assert queued == [payout.id]
    assert db.session.get(Payout, payout.id).status == S.CREATION_UNKNOWN
    sandbox.state.inject("find", fault, times=50)  # the client's own retries included

    recovery.recover_payout(payout.id)

    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status == S.CREATION_UNKNOWN
    assert stored.last_error is not None  # the failed read is noted
    assert stored.provider_invoice_id is None
    totals = sandbox.state.provider_totals()
    assert totals["invoices"] == 1
    assert totals["create_requests"] == {payout.reference_id: 1}  # never created again

    with sandbox.state.lock:  # the provider is healthy again
        sandbox.state.faults.pop("find", None)
    recovery.recover_payout(payout.id)  # a later pass

    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    held = provider_client().find_invoice_by_reference(payout.reference_id)
    assert held is not None and stored.provider_invoice_id == held.id
    assert stored.status == S.AWAITING_APPROVAL
    totals = sandbox.state.provider_totals()
    assert totals["invoices"] == 1
    assert totals["create_requests"] == {payout.reference_id: 1}
