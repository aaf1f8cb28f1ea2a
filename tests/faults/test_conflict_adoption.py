"""The spec's directive for 409 on create: "process the response body with the previously created
transaction". The desk adopts the invoice the 409 carries, without looking it up again; the
look-up by reference is only the fallback when a 409 comes without one."""

from __future__ import annotations

import uuid
from decimal import Decimal

from webapp.extensions import db
from webapp.models import Payout, PayoutEvent, PayoutStatus, Role
from webapp.payout_core.create import PayoutDraft, send_to_provider, store_payout
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import invoice_request_for

S = PayoutStatus


def _draft() -> PayoutDraft:
    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    assert service is not None
    return PayoutDraft(service=service, currency="USD", amount=Decimal("10.00"),
                       fields={"account": "12345"}, submission_token=str(uuid.uuid4()))


def _kinds(payout_id: int) -> list[str]:
    return list(db.session.scalars(db.select(PayoutEvent.kind).filter_by(payout_id=payout_id)
                                   .order_by(PayoutEvent.id)))


def test_a_409_on_create_adopts_the_invoice_from_its_body(app, make_user, sandbox):
    payout, _created = store_payout(_draft(), make_user("olga", Role.OPERATOR))
    # An earlier attempt reached the provider, but its answer never came back.
    earlier = provider_client().create_invoice(invoice_request_for(payout, None))
    send_to_provider(payout)
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.provider_invoice_id == earlier.id
    assert stored.status == S.AWAITING_APPROVAL
    totals = sandbox.state.provider_totals()
    assert totals["invoices"] == 1
    assert totals["create_requests"] == {payout.reference_id: 2}
    stats = sandbox.state.stats()
    assert stats["find_requests"] == {} and stats["get_requests"] == {}  # nothing looked up
    assert "adopted_from_conflict" in _kinds(payout.id)


def test_a_409_without_an_invoice_falls_back_to_the_look_up(app, make_user, sandbox):
    payout, _created = store_payout(_draft(), make_user("olga", Role.OPERATOR))
    earlier = provider_client().create_invoice(invoice_request_for(payout, None))
    sandbox.state.inject("create", "409")  # a 409 whose body carries no invoice
    send_to_provider(payout)
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.provider_invoice_id == earlier.id and stored.status == S.AWAITING_APPROVAL
    assert sandbox.state.stats()["find_requests"] == {payout.reference_id: 1}
    assert sandbox.state.provider_totals()["invoices"] == 1
