"""Four eyes: approve (exactly one process request however many clicks race) or reject.

Every rule is checked on the server, and the deciding step is a conditional UPDATE whose row
count says who won, so two managers, one double click or a batch cannot pay twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.approvals.facts import Item, case_for
from webapp.approvals.fingerprint import matches
from webapp.approvals.policy import Author, Refusal, Refused, Subject, decide, decide_reject
from webapp.approvals.preflight_text import explain
from webapp.audit import record
from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutCopy, PayoutStatus, User
from webapp.models.base import utcnow
from webapp.payout_core import preflight
from webapp.payout_core.failures import Failure
from webapp.payout_core.recovery import send_and_follow_up
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event

S = PayoutStatus
# The policy's refusal types, under the names this module always exported.
ApprovalRefused = Refused
__all__ = ["ApprovalOutcome", "ApprovalRefused", "PreflightRefused", "Refusal", "approve",
           "reject"]


class PreflightRefused(Refused):
    """The provider's terms changed since creation; `check` holds then and now."""

    def __init__(self, check: preflight.Preflight, message: str) -> None:
        super().__init__(Refusal.PREFLIGHT, Subject.PAYOUT)
        self.check = check
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ApprovalOutcome:
    payout: Payout
    fully_approved: bool  # False: recorded; waits for a manager whose limit covers the amount
    processed_ok: bool = False
    failure: Failure | None = None
    process_answer: str | None = None  # accepted / refused / unclear (ProcessAnswer)


def item_of(payout: Payout) -> Item:
    """The payout in the policy's terms: who controls it, what it is worth, who said yes."""
    approved = db.session.scalars(select(PayoutApproval.user_id).where(
        PayoutApproval.payout_id == payout.id,
        PayoutApproval.payout_version == payout.version))
    return Item(
        subject=Subject.PAYOUT,
        authors={Author.CREATOR: payout.created_by_id, Author.RESENDER: payout.resent_by_id,
                 Author.ORIGINATOR: db.session.scalar(select(PayoutCopy.original_creator_id)
                                                      .where(PayoutCopy.copy_id == payout.id))},
        amount=payout.amount, currency=payout.currency,
        waiting=payout.status_enum == S.AWAITING_APPROVAL,
        ready=payout.provider_invoice_id is not None, approved_by=frozenset(approved))


def _refuse(payout: Payout, manager: User, refusal: Refusal, action: str) -> Refused:
    """A refusal changes nothing but the audit log (committed on its own)."""
    db.session.rollback()
    record(f"payout.{action}_refused", actor=manager, target=f"payout:{payout.id}",
           details={"reason": refusal.value})
    db.session.commit()
    return Refused(refusal, Subject.PAYOUT)


def _record_partial(payout: Payout, manager: User) -> ApprovalOutcome:
    db.session.add(PayoutApproval(payout_id=payout.id, user_id=manager.id,
                                  payout_version=payout.version))
    try:
        add_event(payout, "first_approval", actor_id=manager.id, above_limit=True)
        record("payout.first_approval", actor=manager, target=f"payout:{payout.id}")
        db.session.commit()
    except IntegrityError:
        raise _refuse(payout, manager, Refusal.ALREADY_APPROVED_BY_YOU, "approval") from None
    return ApprovalOutcome(payout=payout, fully_approved=False)


def _keep_approval(payout: Payout, manager: User) -> None:
    """Record this manager's yes unless an earlier one (before a limit change) is there."""
    earlier = db.session.scalar(select(PayoutApproval).where(
        PayoutApproval.payout_id == payout.id, PayoutApproval.user_id == manager.id))
    if earlier is None:
        db.session.add(PayoutApproval(payout_id=payout.id, user_id=manager.id,
                                      payout_version=payout.version))
    else:
        earlier.payout_version = payout.version


def _preflight(payout: Payout, manager: User) -> None:
    """Re-run the pre-request before anything is claimed or sent; a refusal leaves the payout
    waiting, with the reason on its timeline and in the audit log."""
    check = preflight.check(payout)
    if check.ok:
        return
    db.session.rollback()
    params = check.params()
    add_event(payout, "preflight_refused", actor_id=manager.id, failure=check.failure,
              **params)
    record("payout.approval_refused", actor=manager, target=f"payout:{payout.id}",
           details={"reason": Refusal.PREFLIGHT.value, **params})
    db.session.commit()
    raise PreflightRefused(check, explain(check, payout.service_code))


def approve(payout_id: int, manager: User, fingerprint: str | None,
            step_up_fresh: bool = True) -> ApprovalOutcome:
    """Approve and ask the provider to process, if the policy allows. `fingerprint` must match
    what was shown (None: not checked, for callers that showed nothing)."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        raise Refused(Refusal.NOT_WAITING)
    decision = decide(case_for(
        item_of(payout), manager, step_up_fresh=step_up_fresh,
        fingerprint_ok=fingerprint is None or matches(payout, fingerprint)))
    if decision.refusal is not None:
        raise _refuse(payout, manager, decision.refusal, "approval")
    if not decision.final:
        return _record_partial(payout, manager)
    _preflight(payout, manager)
    now = utcnow()
    won = move(payout.id, [S.AWAITING_APPROVAL], S.APPROVED,
               Payout.version == payout.version, Payout.created_by_id != manager.id,
               Payout.provider_invoice_id.is_not(None),
               Payout.process_requests == payout.process_requests,
               approved_by_id=manager.id, approved_at=now,
               process_requests=Payout.process_requests + 1, process_requested_at=now)
    if not won:
        raise _refuse(payout, manager, Refusal.NOT_WAITING, "approval")
    _keep_approval(payout, manager)
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
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        raise Refused(Refusal.NOT_WAITING)
    if not reason:
        raise _refuse(payout, manager, Refusal.REASON_REQUIRED, "rejection")
    # Rejecting needs no confirmed invoice, so no fingerprint before there is one.
    unconfirmed = payout.provider_invoice_id is None
    refusal = decide_reject(case_for(
        item_of(payout), manager,
        fingerprint_ok=unconfirmed or fingerprint is None or matches(payout, fingerprint)))
    if refusal is not None:
        raise _refuse(payout, manager, refusal, "rejection")
    if not move(payout.id, [S.AWAITING_APPROVAL], S.REJECTED, rejected_by_id=manager.id,
                rejected_at=utcnow(), rejection_reason=reason[:1024]):
        raise _refuse(payout, manager, Refusal.NOT_WAITING, "rejection")
    add_event(payout, "rejected", actor_id=manager.id, status_from=S.AWAITING_APPROVAL.value,
              status_to=S.REJECTED.value, reason=reason[:1024])
    record("payout.rejected", actor=manager, target=f"payout:{payout.id}",
           details={"reason": reason[:200]})
    db.session.commit()
    db.session.refresh(payout)
    return payout
