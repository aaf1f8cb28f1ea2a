"""After the job: late provider failures counted in, and failed rows tried again.

A retry never pays a row twice: a row whose payout the provider refused to create, or failed
for good, gets a new attempt (a new submission token, hence a new reference_id); a row whose
payout still waits at the provider (processing was refused) is approved and sent again as is;
a row a manager rejected on its own stays rejected.

A retry sends money under no old approval: the batch goes back to awaiting approval (its
version bumped, so earlier approvals and fingerprints no longer count) and the retried rows
need a fresh approval by the one policy, from someone other than the uploader and the person
who asked for the retry.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.audit import record
from webapp.batches.row_steps import mark_late_failures
from webapp.batches.status import move_batch
from webapp.extensions import db
from webapp.models import Batch, BatchRow, BatchStatus, Payout, PayoutStatus, RowState, User
from webapp.models.base import utcnow
from webapp.models.batch import BATCH_FINISHED
from webapp.models.status import RETRY_AS_NEW

B = BatchStatus
S = PayoutStatus
NEW_ATTEMPT = RETRY_AS_NEW


def refresh_outcomes(batch: Batch) -> None:
    """Fold provider failures that arrived after the job into the rows and the status
    (the worker's periodic pass and the retry action call this; pages never do)."""
    if batch.status_enum not in BATCH_FINISHED and batch.status != B.RUNNING.value:
        return
    if mark_late_failures(batch.id) and batch.status == B.DONE.value:
        move_batch(batch.id, [B.DONE], B.DONE_WITH_FAILURES)
        db.session.commit()
    db.session.refresh(batch)


def refresh_finished_batches(limit: int = 200) -> int:
    """The worker's pass: finished batches with a sent row whose payout failed since."""
    failed = select(Payout.id).where(Payout.status == S.FAILED.value)
    ids = list(db.session.scalars(
        select(Batch.id).where(
            Batch.status.in_([b.value for b in BATCH_FINISHED]),
            select(BatchRow.id).where(BatchRow.batch_id == Batch.id,
                                      BatchRow.state == RowState.SENT.value,
                                      BatchRow.payout_id.in_(failed)).exists())
        .order_by(Batch.id).limit(limit)))
    for batch_id in ids:
        batch = db.session.get(Batch, batch_id)
        if batch is not None:
            refresh_outcomes(batch)
    return len(ids)


def retryable_rows(batch_id: int) -> list[BatchRow]:
    rows = db.session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch_id,
                               BatchRow.state == RowState.FAILED.value)
        .options(selectinload(BatchRow.payout)).order_by(BatchRow.row_number))
    return [r for r in rows if _retry_kind(r) is not None]


def _retry_kind(row: BatchRow) -> str | None:
    payout: Payout | None = row.payout
    if payout is None or payout.status_enum in NEW_ATTEMPT:
        return "new"
    if payout.status_enum == S.AWAITING_APPROVAL and payout.provider_invoice_id is not None:
        return "same"
    return None


def retry_failed(batch: Batch, user: User) -> int:
    """Re-open the retryable failed rows and put the batch back in the approval queue; the
    count of rows that wait for the fresh approval."""
    refresh_outcomes(batch)
    rows = retryable_rows(batch.id)
    if not rows:
        return 0
    won = move_batch(batch.id, [B.DONE_WITH_FAILURES], B.AWAITING_APPROVAL, finished_at=None,
                     approved_by_id=None, approved_at=None, retried_by_id=user.id,
                     retried_at=utcnow(), version=Batch.version + 1)
    if not won:
        db.session.rollback()
        return 0
    for row in rows:
        if _retry_kind(row) == "new":
            row.attempt += 1
            row.payout_id = None
        row.state = RowState.PENDING.value
        row.failure = None
    record("batch.retried", actor=user, target=f"batch:{batch.id}",
           details={"rows": len(rows)})
    db.session.commit()
    db.session.refresh(batch)
    return len(rows)
