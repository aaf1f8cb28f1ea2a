"""A batch is approved or rejected as one item, by the single-payout rules: a manager, never
its uploader; bound to what was shown (fingerprint of id, version, total and every row);
above the manager's limit for the currency a second manager must approve too; a conditional
UPDATE decides the one winner however many clicks race."""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.approvals.services import limit_for
from webapp.audit import record
from webapp.batches.status import move_batch
from webapp.crypto import same_text
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Batch, BatchApproval, BatchRow, BatchStatus, Role, RowState, User
from webapp.models.base import utcnow

B = BatchStatus


class BatchRefusal(enum.Enum):
    NOT_MANAGER = _l("Only managers may approve or reject batches.")
    OWN_BATCH = _l("You cannot approve or reject a batch you uploaded.")
    NOT_WAITING = _l("This batch is no longer awaiting approval.")
    CHANGED = _l("The batch changed after you opened it. Review it again before approving.")
    ALREADY_APPROVED_BY_YOU = _l("You have already approved this batch; "
                                 "another manager must approve it too.")
    REASON_REQUIRED = _l("A reason is required to reject a batch.")


class BatchRefused(Exception):
    def __init__(self, refusal: BatchRefusal) -> None:
        super().__init__(str(refusal.value))
        self.refusal = refusal


@dataclass(frozen=True)
class BatchApprovalOutcome:
    batch: Batch
    fully_approved: bool  # False: the first of two approvals is recorded


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


def _check(batch: Batch, manager: User, fingerprint: str | None) -> None:
    if not manager.has_role(Role.MANAGER):
        raise BatchRefused(BatchRefusal.NOT_MANAGER)
    if batch.created_by_id == manager.id:
        raise BatchRefused(BatchRefusal.OWN_BATCH)
    if batch.status_enum != B.AWAITING_APPROVAL:
        raise BatchRefused(BatchRefusal.NOT_WAITING)
    if not fingerprint or not same_text(fingerprint_of(batch), fingerprint):
        raise BatchRefused(BatchRefusal.CHANGED)


def _load(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    if batch is None:
        raise BatchRefused(BatchRefusal.NOT_WAITING)
    return batch


def other_approvals(batch: Batch, manager_id: int | None) -> int:
    return db.session.scalar(
        select(func.count(BatchApproval.id)).where(
            BatchApproval.batch_id == batch.id, BatchApproval.batch_version == batch.version,
            BatchApproval.user_id != manager_id, BatchApproval.user_id != batch.created_by_id)
    ) or 0


def needs_second_manager(batch: Batch, manager: User) -> bool:
    limit = limit_for(manager, batch.currency)
    return limit is not None and batch.total > limit and other_approvals(batch, manager.id) == 0


def approve_batch(batch_id: int, manager: User, fingerprint: str | None) -> BatchApprovalOutcome:
    """Approve the whole batch; the caller then starts the job (nothing is sent here)."""
    batch = _load(batch_id)
    _check(batch, manager, fingerprint)
    if needs_second_manager(batch, manager):
        db.session.add(BatchApproval(batch_id=batch.id, user_id=manager.id,
                                     batch_version=batch.version))
        try:
            record("batch.first_approval", actor=manager, target=f"batch:{batch.id}")
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise BatchRefused(BatchRefusal.ALREADY_APPROVED_BY_YOU) from None
        return BatchApprovalOutcome(batch, fully_approved=False)
    won = move_batch(batch.id, [B.AWAITING_APPROVAL], B.APPROVED,
                     Batch.version == batch.version, Batch.created_by_id != manager.id,
                     approved_by_id=manager.id, approved_at=utcnow())
    if not won:
        db.session.rollback()
        raise BatchRefused(BatchRefusal.NOT_WAITING)
    already = db.session.scalar(select(BatchApproval.id).where(
        BatchApproval.batch_id == batch.id, BatchApproval.user_id == manager.id))
    if already is None:  # a manager whose limit was raised may complete their own first yes
        db.session.add(BatchApproval(batch_id=batch.id, user_id=manager.id,
                                     batch_version=batch.version))
    record("batch.approved", actor=manager, target=f"batch:{batch.id}",
           details={"total": str(batch.total), "currency": batch.currency,
                    "rows": batch.valid_count})
    db.session.commit()
    db.session.refresh(batch)
    return BatchApprovalOutcome(batch, fully_approved=True)


def reject_batch(batch_id: int, manager: User, reason: str, fingerprint: str | None) -> Batch:
    reason = (reason or "").strip()
    if not reason:
        raise BatchRefused(BatchRefusal.REASON_REQUIRED)
    batch = _load(batch_id)
    _check(batch, manager, fingerprint)
    won = move_batch(batch.id, [B.AWAITING_APPROVAL], B.REJECTED,
                     Batch.created_by_id != manager.id, rejected_by_id=manager.id,
                     rejected_at=utcnow(), rejection_reason=reason[:1024])
    if not won:
        db.session.rollback()
        raise BatchRefused(BatchRefusal.NOT_WAITING)
    record("batch.rejected", actor=manager, target=f"batch:{batch.id}",
           details={"reason": reason[:200]})
    db.session.commit()
    db.session.refresh(batch)
    return batch
