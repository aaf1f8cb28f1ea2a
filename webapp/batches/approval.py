"""A batch is approved or rejected as one item by the one approval policy
(webapp/approvals/policy.py): a manager, never its uploader nor whoever asked to retry its failed
rows, not related to them; bound to what was shown (fingerprint of id, version, total and every
row); limits fail closed, and above the manager's limit a manager whose own limit covers the
amount must approve; a conditional UPDATE decides the one winner however many clicks race.
A retry is approved for the retried rows' total."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.approvals.facts import Item, case_for
from webapp.approvals.policy import Author, Refusal, Refused, Subject, decide, decide_reject
from webapp.approvals.preflight_text import BATCH_NOTHING_SENT, explain
from webapp.audit import record
from webapp.batches.status import move_batch
from webapp.crypto import same_text
from webapp.extensions import db
from webapp.models import Batch, BatchApproval, BatchRow, BatchStatus, RowState, User
from webapp.models.base import utcnow
from webapp.payout_core import preflight

B = BatchStatus
# The policy's refusal types, under the names this module always exported.
BatchRefusal = Refusal
BatchRefused = Refused


class BatchPreflightRefused(Refused):
    """The provider's terms changed since upload for some of the batch's amounts."""

    def __init__(self, check: preflight.Preflight, message: str) -> None:
        super().__init__(Refusal.PREFLIGHT, Subject.BATCH)
        self.check = check
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


def _amounts_to_check(batch: Batch) -> list[Decimal]:
    """The smallest and the largest amount among the rows to be paid: limits bound both ends,
    and the rate is the same for all."""
    low, high = db.session.execute(select(func.min(BatchRow.amount), func.max(BatchRow.amount))
                                   .where(BatchRow.batch_id == batch.id,
                                          BatchRow.state == RowState.PENDING.value)).one()
    return sorted({a for a in (low, high) if a is not None})


def _preflight(batch: Batch, manager: User) -> None:
    """As for a single payout (webapp/payout_core/preflight.py), before the batch is approved:
    a refusal leaves it waiting, worded for the manager, audited."""
    for amount in _amounts_to_check(batch):
        check = preflight.check(preflight.BatchAmount(
            currency=batch.currency, amount=amount, service_code=batch.service_code,
            service_snapshot=batch.service_snapshot))
        if check.ok:
            continue
        db.session.rollback()
        record("batch.approval_refused", actor=manager, target=f"batch:{batch.id}",
               details={"reason": Refusal.PREFLIGHT.value, "amount": str(amount),
                        **check.params()})
        db.session.commit()
        raise BatchPreflightRefused(check, explain(check, batch.service_code,
                                                   str(BATCH_NOTHING_SENT)))


@dataclass(frozen=True)
class BatchApprovalOutcome:
    batch: Batch
    fully_approved: bool  # False: recorded; waits for a manager whose limit covers the total


def fingerprint_of(batch: Batch) -> str:
    """Changes whenever anything that would be paid changes: any row, the total, the version."""
    rows = hashlib.sha256()
    query = (select(BatchRow.row_number, BatchRow.recipient_digest, BatchRow.amount)
             .where(BatchRow.batch_id == batch.id, BatchRow.state != RowState.INVALID.value)
             .order_by(BatchRow.row_number))
    for number, digest, amount in db.session.execute(query):
        rows.update(f"{number}|{digest}|{format(amount.normalize(), 'f')}\n".encode())
    material = "|".join([str(batch.id), str(batch.version), batch.currency, batch.service_code,
                         format(batch.total.normalize(), "f"), str(batch.valid_count),
                         rows.hexdigest()])
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"batch-approval:" + material.encode(), hashlib.sha256).hexdigest()[:40]


def amount_to_approve(batch: Batch) -> Decimal:
    """The whole valid total; after a retry, only the rows waiting to be sent again."""
    if batch.retried_by_id is None:
        return batch.total
    return db.session.scalar(select(func.coalesce(func.sum(BatchRow.amount), 0)).where(
        BatchRow.batch_id == batch.id, BatchRow.state == RowState.PENDING.value)) or Decimal(0)


def item_of(batch: Batch) -> Item:
    approved = db.session.scalars(select(BatchApproval.user_id).where(
        BatchApproval.batch_id == batch.id, BatchApproval.batch_version == batch.version))
    return Item(subject=Subject.BATCH,
                authors={Author.CREATOR: batch.created_by_id, Author.RETRIER: batch.retried_by_id},
                amount=amount_to_approve(batch), currency=batch.currency,
                waiting=batch.status_enum == B.AWAITING_APPROVAL, approved_by=frozenset(approved))


def _refuse(batch: Batch, manager: User, refusal: Refusal, action: str) -> Refused:
    """A refusal changes nothing but the audit log (committed on its own)."""
    db.session.rollback()
    record(f"batch.{action}_refused", actor=manager, target=f"batch:{batch.id}",
           details={"reason": refusal.value})
    db.session.commit()
    return Refused(refusal, Subject.BATCH)


def _fingerprint_ok(batch: Batch, fingerprint: str | None) -> bool:
    return bool(fingerprint) and same_text(fingerprint_of(batch), fingerprint or "")


def _load(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    if batch is None:
        raise Refused(Refusal.NOT_WAITING, Subject.BATCH)
    return batch


def needs_second_manager(batch: Batch, manager: User) -> bool:
    """For the page: this manager's yes alone would not approve the batch."""
    return not decide(case_for(item_of(batch), manager)).final


def approve_batch(batch_id: int, manager: User, fingerprint: str | None,
                  step_up_fresh: bool = True) -> BatchApprovalOutcome:
    """Approve the whole batch (or its retried rows); the caller then starts the job."""
    batch = _load(batch_id)
    decision = decide(case_for(item_of(batch), manager, step_up_fresh=step_up_fresh,
                               fingerprint_ok=_fingerprint_ok(batch, fingerprint)))
    if decision.refusal is not None:
        raise _refuse(batch, manager, decision.refusal, "approval")
    if not decision.final:
        db.session.add(BatchApproval(batch_id=batch.id, user_id=manager.id,
                                     batch_version=batch.version))
        try:
            record("batch.first_approval", actor=manager, target=f"batch:{batch.id}")
            db.session.commit()
        except IntegrityError:
            raise _refuse(batch, manager, Refusal.ALREADY_APPROVED_BY_YOU, "approval") from None
        return BatchApprovalOutcome(batch, fully_approved=False)
    _preflight(batch, manager)
    won = move_batch(batch.id, [B.AWAITING_APPROVAL], B.APPROVED,
                     Batch.version == batch.version, Batch.created_by_id != manager.id,
                     approved_by_id=manager.id, approved_at=utcnow())
    if not won:
        raise _refuse(batch, manager, Refusal.NOT_WAITING, "approval")
    already = db.session.scalar(select(BatchApproval).where(
        BatchApproval.batch_id == batch.id, BatchApproval.user_id == manager.id))
    if already is None:  # a manager whose limit was raised may complete their own first yes
        db.session.add(BatchApproval(batch_id=batch.id, user_id=manager.id,
                                     batch_version=batch.version))
    else:
        already.batch_version = batch.version
    record("batch.approved", actor=manager, target=f"batch:{batch.id}",
           details={"total": str(batch.total), "currency": batch.currency,
                    "rows": batch.valid_count})
    db.session.commit()
    db.session.refresh(batch)
    return BatchApprovalOutcome(batch, fully_approved=True)


def reject_batch(batch_id: int, manager: User, reason: str, fingerprint: str | None) -> Batch:
    reason = (reason or "").strip()
    batch = _load(batch_id)
    if not reason:
        raise _refuse(batch, manager, Refusal.REASON_REQUIRED, "rejection")
    refusal = decide_reject(case_for(item_of(batch), manager,
                                     fingerprint_ok=_fingerprint_ok(batch, fingerprint)))
    if refusal is not None:
        raise _refuse(batch, manager, refusal, "rejection")
    won = move_batch(batch.id, [B.AWAITING_APPROVAL], B.REJECTED,
                     Batch.created_by_id != manager.id, rejected_by_id=manager.id,
                     rejected_at=utcnow(), rejection_reason=reason[:1024])
    if not won:
        raise _refuse(batch, manager, Refusal.NOT_WAITING, "rejection")
    record("batch.rejected", actor=manager, target=f"batch:{batch.id}",
           details={"reason": reason[:200]})
    db.session.commit()
    db.session.refresh(batch)
    return batch
