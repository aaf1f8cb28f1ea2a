"""Four eyes: approve (exactly one process request however many clicks race) or reject.

Every rule is checked on the server, and the deciding step is a conditional UPDATE whose row
count says who won, so two managers, one double click or a batch cannot pay twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.approvals.fingerprint import matches
from webapp.audit import record
from webapp.auth.cooling import is_cooling_off
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import ApprovalLimit, Payout, PayoutApproval, PayoutStatus, Role, User
from webapp.models.base import utcnow
from webapp.payout_core.failures import Failure
from webapp.payout_core.recovery import send_and_follow_up
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event

S = PayoutStatus


class Refusal(enum.Enum):
    NOT_MANAGER = _l("Only managers may approve or reject payouts.")
    OWN_PAYOUT = _l("You cannot approve or reject a payout you created.")
    NOT_WAITING = _l("This payout is no longer awaiting approval.")
    NOT_READY = _l("The provider has not confirmed this payout yet; try again shortly.")
    CHANGED = _l("The payout changed after you opened it. Review it again before approving.")
    ALREADY_APPROVED_BY_YOU = _l("You have already approved this payout; "
                                 "another manager must approve it too.")
    REASON_REQUIRED = _l("A reason is required to reject a payout.")
    COOLING_OFF = _l("You were made a manager less than 24 hours ago by the person who created "
                     "this payout; another manager must decide it.")


class ApprovalRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal.value))
        self.refusal = refusal


@dataclass(frozen=True)
class ApprovalOutcome:
    payout: Payout
    fully_approved: bool  # False: first of two approvals recorded
    processed_ok: bool = False
    failure: Failure | None = None
    process_answer: str | None = None  # accepted / refused / unclear (ProcessAnswer)


def limit_for(user: User, currency: str) -> Decimal | None:
    return db.session.scalar(
        select(ApprovalLimit.max_amount).where(
            ApprovalLimit.user_id == user.id, ApprovalLimit.currency == currency
        )
    )


def _check(payout: Payout, manager: User, fingerprint: str | None) -> None:
    if not manager.has_role(Role.MANAGER):
        raise ApprovalRefused(Refusal.NOT_MANAGER)
    if payout.created_by_id == manager.id:
        raise ApprovalRefused(Refusal.OWN_PAYOUT)
    if is_cooling_off(manager, payout.created_by_id):
        raise ApprovalRefused(Refusal.COOLING_OFF)
    if payout.status_enum != S.AWAITING_APPROVAL:
        raise ApprovalRefused(Refusal.NOT_WAITING)
    if payout.provider_invoice_id is None:
        raise ApprovalRefused(Refusal.NOT_READY)
    if fingerprint is not None and not matches(payout, fingerprint):
        raise ApprovalRefused(Refusal.CHANGED)


def _other_approvals(payout: Payout, manager: User) -> int:
    return len(db.session.scalars(
        select(PayoutApproval.id).where(
            PayoutApproval.payout_id == payout.id,
            PayoutApproval.payout_version == payout.version,
            PayoutApproval.user_id != manager.id,
            PayoutApproval.user_id != payout.created_by_id,
        )
    ).all())


def _record_partial(payout: Payout, manager: User) -> ApprovalOutcome:
    db.session.add(PayoutApproval(payout_id=payout.id, user_id=manager.id,
                                  payout_version=payout.version))
    try:
        add_event(payout, "first_approval", actor_id=manager.id, above_limit=True)
        record("payout.first_approval", actor=manager, target=f"payout:{payout.id}")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApprovalRefused(Refusal.ALREADY_APPROVED_BY_YOU) from None
    return ApprovalOutcome(payout=payout, fully_approved=False)


def approve(payout_id: int, manager: User, fingerprint: str | None) -> ApprovalOutcome:
    """Approve and ask the provider to process. `fingerprint` must match what was shown."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        raise ApprovalRefused(Refusal.NOT_WAITING)
    _check(payout, manager, fingerprint)
    limit = limit_for(manager, payout.currency)
    if limit is not None and payout.amount > limit and _other_approvals(payout, manager) == 0:
        return _record_partial(payout, manager)
    now = utcnow()
    won = move(payout.id, [S.AWAITING_APPROVAL], S.APPROVED,
               Payout.version == payout.version, Payout.created_by_id != manager.id,
               Payout.provider_invoice_id.is_not(None),
               Payout.process_requests == payout.process_requests,
               approved_by_id=manager.id, approved_at=now,
               process_requests=Payout.process_requests + 1, process_requested_at=now)
    if not won:
        db.session.rollback()
        raise ApprovalRefused(Refusal.NOT_WAITING)
    db.session.add(PayoutApproval(payout_id=payout.id, user_id=manager.id,
                                  payout_version=payout.version))
    add_event(payout, "approved", actor_id=manager.id, status_from=S.AWAITING_APPROVAL.value,
              status_to=S.APPROVED.value)
    record("payout.approved", actor=manager, target=f"payout:{payout.id}",
           details={"amount": str(payout.amount), "currency": payout.currency})
    db.session.commit()
    db.session.refresh(payout)
    result = send_and_follow_up(payout)
    record("payout.process_answer", actor=manager, target=f"payout:{payout.id}",
           details={"ok": result.ok, "failure": result.failure})
    db.session.commit()
    db.session.refresh(payout)
    return ApprovalOutcome(payout=payout, fully_approved=True, processed_ok=result.ok,
                           failure=result.failure, process_answer=result.answer)


def reject(payout_id: int, manager: User, reason: str, fingerprint: str | None = None) -> Payout:
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalRefused(Refusal.REASON_REQUIRED)
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        raise ApprovalRefused(Refusal.NOT_WAITING)
    if payout.provider_invoice_id is None and payout.status_enum == S.AWAITING_APPROVAL:
        fingerprint = None  # rejecting needs no confirmed invoice
    else:
        _check(payout, manager, fingerprint)
    if payout.created_by_id == manager.id:
        raise ApprovalRefused(Refusal.OWN_PAYOUT)
    if not move(payout.id, [S.AWAITING_APPROVAL], S.REJECTED, rejected_by_id=manager.id,
                rejected_at=utcnow(), rejection_reason=reason[:1024]):
        db.session.rollback()
        raise ApprovalRefused(Refusal.NOT_WAITING)
    add_event(payout, "rejected", actor_id=manager.id, status_from=S.AWAITING_APPROVAL.value,
              status_to=S.REJECTED.value, reason=reason[:1024])
    record("payout.rejected", actor=manager, target=f"payout:{payout.id}",
           details={"reason": reason[:200]})
    db.session.commit()
    db.session.refresh(payout)
    return payout
