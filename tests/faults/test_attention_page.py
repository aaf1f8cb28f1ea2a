"""Operators see the truth: unknown states say so, with when they were last checked."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role

S = PayoutStatus


def test_unknown_and_failed_payouts_are_listed_for_admins(make_user, make_payout, sandbox,
                                                          login_as, client_for):
    creator = make_user("olga", Role.OPERATOR)
    sandbox.state.inject("create", "500_before", times=10)
    sandbox.state.inject("find", "500_before", times=10)
    unknown = make_payout(creator)
    sandbox.state.faults.clear()
    sandbox.state.inject("create", "403")
    refused = make_payout(creator)
    fine = make_payout(creator)
    assert unknown.status == S.CREATION_UNKNOWN and unknown.last_checked_at is not None
    assert refused.status == S.FAILED_TO_CREATE
    page = login_as(Role.ADMIN).get("/payouts/attention").get_data(as_text=True)
    assert 'data-status="creation_unknown"' in page and f">{unknown.id}</a>" in page
    assert f">{refused.id}</a>" in page and f">{fine.id}</a>" not in page
    assert page.index(f">{unknown.id}</a>") < page.index(f">{refused.id}</a>")
    detail = client_for("olga").get(f"/payouts/{unknown.id}").get_data(as_text=True)
    assert "Checking with provider" in detail and "Last checked" in detail
    assert "neither paid nor failed" in detail
    db.session.expire_all()
    assert db.session.get(Payout, unknown.id).status == S.CREATION_UNKNOWN
