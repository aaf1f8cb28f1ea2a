"""Approving again after an admin pair raised the manager's limit finishes the approval (it
used to end in a 500: IntegrityError on payout_approvals), with exactly one process call."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.setup_link_steps import confirm_all
from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import ApprovalLimit, Payout, PayoutApproval, PayoutStatus, Role, User
from webapp.sandbox import SandboxServer


def test_approve_then_limit_raised_then_approve_again(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], login_as: Callable[..., FlaskClient],
        sandbox: SandboxServer) -> None:
    max_ = make_user("max", Role.MANAGER, limits={"USD": "5"})
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="10.00")
    manager = client_for("max")
    first = manager.post(f"/approvals/{payout.id}/approve",
                         data={"fingerprint": fingerprint_of(payout)}, follow_redirects=True)
    assert f"Your approval of #{payout.id} is recorded".encode() in first.data
    ada, root = login_as(Role.ADMIN, username="ada"), login_as(Role.ADMIN, username="root")
    ada.post(f"/admin/users/{max_.id}/limits",
             data={"limit-currency": "USD", "limit-max_amount": "100"})
    confirm_all(root)
    db.session.expire_all()
    assert db.session.scalar(select(ApprovalLimit.max_amount).where(
        ApprovalLimit.user_id == max_.id, ApprovalLimit.currency == "USD")) == Decimal("100")
    again = manager.post(f"/approvals/{payout.id}/approve",
                         data={"fingerprint": fingerprint_of(payout)})
    assert again.status_code == 303
    db.session.expire_all()
    done = db.session.get(Payout, payout.id)
    assert done.status != PayoutStatus.AWAITING_APPROVAL and done.approved_by_id == max_.id
    assert sandbox.state.counters["process_requests"][payout.provider_invoice_id] == 1
    assert sum(sandbox.state.counters["process_requests"].values()) == 1
    assert db.session.scalar(select(func.count()).select_from(PayoutApproval)) == 1
