"""Four-eyes rules, enforced on the server: own payouts, roles, reasons, fingerprints, limits."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import ApprovalRefused, Refusal, approve, reject
from webapp.extensions import db
from webapp.models import ApprovalLimit, AuditEvent, Payout, PayoutStatus, Role

S = PayoutStatus


def _accepted(sandbox, payout: Payout) -> int:
    return sandbox.state.counters["process_accepted"][payout.provider_invoice_id]


def bulk_approve(client, selection: str):
    """Both steps of bulk approve: the review (its confirmation token), then the approval."""
    page = client.post("/approvals/review", data={"payout": selection}).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([^"]+)"', page)
    return client.post("/approvals/approve",
                       data={"payout": selection, "confirm": token.group(1) if token else ""})


def _requests(sandbox, payout: Payout) -> int:
    return sandbox.state.counters["process_requests"][payout.provider_invoice_id]


def test_a_new_payout_waits_with_an_invoice_at_the_provider(make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    assert payout.status == S.AWAITING_APPROVAL
    assert payout.provider_invoice_id and payout.provider_invoice_id.startswith("cpoi_")
    assert payout.provider_status == "created"
    assert sandbox.state.counters["invoices_stored"][payout.reference_id] == 1


def test_manager_approves_and_the_provider_processes_once(make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    manager = make_user("max", Role.MANAGER)
    outcome = approve(payout.id, manager, fingerprint_of(payout))
    assert outcome.fully_approved and outcome.processed_ok
    assert outcome.payout.status in {S.PROCESSING, S.PROCESSED}
    assert outcome.payout.approved_by_id == manager.id
    assert _accepted(sandbox, payout) == 1
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "payout.approved" in actions


def test_self_approval_is_refused(make_user, make_payout, sandbox):
    manager = make_user("max", Role.MANAGER, Role.OPERATOR)
    payout = make_payout(manager)
    with pytest.raises(ApprovalRefused) as refused:
        approve(payout.id, manager, fingerprint_of(payout))
    assert refused.value.refusal is Refusal.OWN
    assert db.session.get(Payout, payout.id).status == S.AWAITING_APPROVAL
    assert _requests(sandbox, payout) == 0


def test_self_approval_is_refused_over_http_and_in_batch(client_for, make_user, make_payout,
                                                         sandbox):
    payout = make_payout(make_user("max", Role.MANAGER, Role.OPERATOR))
    client = client_for("max")
    page = client.get(f"/payouts/{payout.id}")
    assert page.status_code == 200
    assert b"Approve and pay" not in page.data  # the button is absent for one's own payout
    single = client.post(f"/approvals/{payout.id}/approve",
                         data={"fingerprint": fingerprint_of(payout)})
    assert single.status_code == 303
    bulk = bulk_approve(client, f"{payout.id}:{fingerprint_of(payout)}")
    assert bulk.status_code == 303
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == S.AWAITING_APPROVAL
    assert _requests(sandbox, payout) == 0
    follow = client.get("/approvals/")
    assert "You cannot approve or reject a payout you created." in follow.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.ADMIN, Role.AUDITOR])
def test_only_managers_may_decide(role, login_as, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    client = login_as(role)
    fp = fingerprint_of(payout)
    assert client.post(f"/approvals/{payout.id}/approve", data={"fingerprint": fp}).status_code \
        == 403
    assert client.post(f"/approvals/{payout.id}/reject",
                       data={"fingerprint": fp, "reason": "no"}).status_code == 403
    assert client.post("/approvals/approve", data={"payout": f"{payout.id}:{fp}"}).status_code \
        == 403
    assert client.post("/approvals/review", data={"payout": f"{payout.id}:{fp}"}).status_code \
        == 403
    assert client.post("/approvals/reject",
                       data={"payout": f"{payout.id}:{fp}", "reason": "no"}).status_code == 403
    assert client.get("/approvals/").status_code == 403
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == S.AWAITING_APPROVAL
    assert _requests(sandbox, payout) == 0


def test_reject_needs_a_reason_and_the_creator_sees_it(make_user, make_payout, client_for):
    creator = make_user("olga", Role.OPERATOR)
    payout = make_payout(creator)
    manager = make_user("max", Role.MANAGER)
    with pytest.raises(ApprovalRefused) as refused:
        reject(payout.id, manager, "   ", fingerprint_of(payout))
    assert refused.value.refusal is Refusal.REASON_REQUIRED
    reject(payout.id, manager, "Wrong account <b>number</b>", fingerprint_of(payout))
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status == S.REJECTED and stored.rejected_by_id == manager.id
    page = client_for("olga").get(f"/payouts/{payout.id}").get_data(as_text=True)
    assert "Wrong account &lt;b&gt;number&lt;/b&gt;" in page  # shown, escaped
    assert "Rejected" in page


def test_a_payout_changed_after_the_page_was_rendered_is_not_approved(make_user, make_payout,
                                                                      sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    shown = fingerprint_of(payout)
    payout.amount = Decimal("11.00")
    payout.version += 1
    db.session.commit()
    with pytest.raises(ApprovalRefused) as refused:
        approve(payout.id, make_user("max", Role.MANAGER), shown)
    assert refused.value.refusal is Refusal.CHANGED
    assert _requests(sandbox, payout) == 0


def test_above_the_limit_a_second_manager_must_approve(make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="500.00")
    first = make_user("max", Role.MANAGER)
    second = make_user("mia", Role.MANAGER)
    db.session.add(ApprovalLimit(user_id=first.id, currency="USD", max_amount=Decimal("100")))
    db.session.commit()
    fp = fingerprint_of(payout)
    outcome = approve(payout.id, first, fp)
    assert not outcome.fully_approved
    assert db.session.get(Payout, payout.id).status == S.AWAITING_APPROVAL
    with pytest.raises(ApprovalRefused) as again:
        approve(payout.id, first, fp)
    assert again.value.refusal is Refusal.ALREADY_APPROVED_BY_YOU
    assert _requests(sandbox, payout) == 0
    final = approve(payout.id, second, fp)
    assert final.fully_approved
    assert _accepted(sandbox, payout) == 1


def test_a_second_approval_after_the_first_won_is_refused(make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    fp = fingerprint_of(payout)
    approve(payout.id, make_user("max", Role.MANAGER), fp)
    with pytest.raises(ApprovalRefused) as refused:
        approve(payout.id, make_user("mia", Role.MANAGER), fp)
    assert refused.value.refusal is Refusal.NOT_WAITING
    assert _requests(sandbox, payout) == 1


def test_queue_lists_waiting_payouts_oldest_first_with_totals(make_user, make_payout, login_as):
    creator = make_user("olga", Role.OPERATOR)
    first = make_payout(creator, amount="10.00", fields={"account": "411111222221111"})
    second = make_payout(creator, amount="2.50")
    client = login_as(Role.MANAGER, username="max")
    page = client.get("/approvals/").get_data(as_text=True)
    assert page.index(f'value="{first.id}:') < page.index(f'value="{second.id}:')
    assert "$12.50" in page
    assert "411111*****1111" in page and "411111222221111" not in page
    filtered = client.get("/approvals/?currency=EUR", headers={"HX-Request": "true"})
    assert b"<html" not in filtered.data
    assert f'value="{first.id}:'.encode() not in filtered.data
    assert "HX-Request" in filtered.headers.get("Vary", "")


@pytest.mark.parametrize("forged", ["", "\x80", "ü" * 40, "0" * 40, None])
def test_a_forged_fingerprint_is_refused_not_an_error(forged, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    with pytest.raises(ApprovalRefused) as refused:
        approve(payout.id, make_user("max", Role.MANAGER), forged if forged is not None else "")
    assert refused.value.refusal is Refusal.CHANGED
    assert _requests(sandbox, payout) == 0
