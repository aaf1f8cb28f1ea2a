"""A create refused by the provider (401/403/405) can be sent again as a new attempt."""

from __future__ import annotations

import re

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role

S = PayoutStatus


def test_a_refused_payout_is_sent_again_once_as_a_new_payout(make_user, make_payout, sandbox,
                                                             client_for):
    creator = make_user("olga", Role.OPERATOR)
    sandbox.state.inject("create", "403")
    refused = make_payout(creator, fields={"account": "12345"})
    assert refused.status == S.FAILED_TO_CREATE
    client = client_for("olga")
    page = client.get(f"/payouts/{refused.id}").get_data(as_text=True)
    assert "Send again as a new payout" in page
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    first = client.post(f"/payouts/{refused.id}/resubmit", data={"submission_token": token})
    second = client.post(f"/payouts/{refused.id}/resubmit",  # a double click
                         data={"submission_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    db.session.expire_all()
    payouts = db.session.scalars(db.select(Payout).order_by(Payout.id)).all()
    assert len(payouts) == 2
    copy = payouts[1]
    assert copy.status == S.AWAITING_APPROVAL and copy.reference_id != refused.reference_id
    assert copy.amount == refused.amount and copy.fields_masked == refused.fields_masked
    assert db.session.get(Payout, refused.id).status == S.FAILED_TO_CREATE
    assert sandbox.state.counters["invoices_stored"][copy.reference_id] == 1
    # The copy keeps its creator and names who resent it.
    assert copy.created_by_id == creator.id and copy.resent_by_id == creator.id


def test_only_refused_payouts_can_be_sent_again(make_user, make_payout, client_for):
    waiting = make_payout(make_user("olga", Role.OPERATOR))
    assert client_for("olga").post(f"/payouts/{waiting.id}/resubmit").status_code == 409
