"""One batch row's way to the provider, in steps that can each be repeated after a crash.

store (found again by its submission token) → create (only if never attempted; an attempt
whose answer was lost is looked up by reference_id first) → approve on behalf of the batch's
approver (conditional move awaiting_approval → approved, taking the process request) → process.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import (
    Batch,
    BatchRow,
    Payout,
    PayoutApproval,
    PayoutStatus,
    RowState,
    User,
)
from webapp.models.base import utcnow
from webapp.models.status import PAID_OR_PAYING, ROW_UNDECIDED
from webapp.payout_core.create import PayoutDraft, send_to_provider, store_payout
from webapp.payout_core.failures import (
    BATCH_INTERRUPTED,
    FAILED_AT_PROVIDER,
    PROCESS_REFUSED,
    REJECTED,
    RESOLUTION,
    Failure,
    failure,
)
from webapp.payout_core.recovery import recover_payout, resolve_creation, send_and_follow_up
from webapp.payout_core.secrets import decrypt_fields
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event
from webapp.provider.types import PayoutService

S = PayoutStatus
SENT = PAID_OR_PAYING
UNKNOWN = ROW_UNDECIDED


def submission_token(batch_id: int, row: BatchRow) -> str:
    base = f"batch:{batch_id}:{row.row_number}"
    return base if row.attempt == 0 else f"{base}:retry{row.attempt}"


def _hook(stage: str, row: BatchRow) -> None:
    """Tests stop a run here to play a killed worker."""
    hook = current_app.config.get("BATCH_STEP_HOOK")
    if hook is not None:
        hook(stage, row.row_number)


def _draft(batch: Batch, row: BatchRow) -> PayoutDraft:
    assert row.amount is not None and row.fields_encrypted is not None
    return PayoutDraft(
        service=PayoutService.from_snapshot(batch.service_snapshot), currency=batch.currency,
        amount=row.amount, fields=decrypt_fields(row.fields_encrypted),
        submission_token=submission_token(batch.id, row),
        customer_reference_id=row.customer_reference_id, customer_name=row.customer_name,
        customer_email=row.customer_email, customer_phone=row.customer_phone,
        description=row.description,
    )


def _ensure_payout(batch: Batch, row: BatchRow) -> Payout:
    if row.payout_id is not None:
        payout = db.session.get(Payout, row.payout_id, populate_existing=True)
        assert payout is not None
        return payout
    creator = db.session.get(User, batch.created_by_id)
    assert creator is not None
    payout, _created = store_payout(_draft(batch, row), creator)
    payout.batch_id = batch.id
    row.payout_id = payout.id
    db.session.commit()
    return payout


def _interrupted_create(payout: Payout) -> None:
    """A create was attempted by a run that died: find it by reference before re-creating."""
    if move(payout.id, [S.AWAITING_APPROVAL], S.CREATION_UNKNOWN,
            last_error=failure(BATCH_INTERRUPTED)):
        add_event(payout, "creation_unknown", status_from=S.AWAITING_APPROVAL.value,
                  status_to=S.CREATION_UNKNOWN.value, failure=failure(BATCH_INTERRUPTED))
    db.session.commit()
    resolve_creation(payout.id)


def start_row(batch: Batch, row_id: int) -> None:
    row = db.session.get(BatchRow, row_id, populate_existing=True)
    if row is None or row.state_enum != RowState.PENDING:
        return
    payout = _ensure_payout(batch, row)
    _hook("stored", row)
    if payout.status_enum == S.AWAITING_APPROVAL and payout.provider_invoice_id is None:
        if payout.attempts == 0:
            send_to_provider(payout)
        else:
            _interrupted_create(payout)
    _hook("created", row)
    settle_row(batch, row_id)


def approve_for_batch(payout: Payout, batch: Batch) -> bool:
    """The batch's approval, applied to one of its payouts (the move decides the winner)."""
    approver_id = batch.approved_by_id
    if payout.provider_invoice_id is None or payout.created_by_id == approver_id:
        return False
    if not move(payout.id, [S.AWAITING_APPROVAL], S.APPROVED, approved_by_id=approver_id,
                approved_at=utcnow(), process_requests=Payout.process_requests + 1,
                process_requested_at=utcnow()):
        db.session.rollback()
        return False
    earlier = db.session.scalar(select(PayoutApproval).where(
        PayoutApproval.payout_id == payout.id, PayoutApproval.user_id == approver_id))
    if earlier is None:  # a retried row approved by the same manager as the first run
        db.session.add(PayoutApproval(payout_id=payout.id, user_id=approver_id,
                                      payout_version=payout.version))
    add_event(payout, "approved_in_batch", actor_id=approver_id,
              status_from=S.AWAITING_APPROVAL.value, status_to=S.APPROVED.value,
              batch_id=batch.id)
    db.session.commit()
    return True


def settle_row(batch: Batch, row_id: int) -> None:
    """Take the row's payout as far as it can go now, then record the row's state."""
    row = db.session.get(BatchRow, row_id, populate_existing=True)
    if row is None or row.payout_id is None:
        return
    payout = db.session.get(Payout, row.payout_id, populate_existing=True)
    assert payout is not None
    if payout.status_enum == S.AWAITING_APPROVAL and payout.provider_invoice_id is not None:
        if approve_for_batch(payout, batch):
            _hook("approved", row)
            db.session.refresh(payout)
            send_and_follow_up(payout)
    elif payout.status_enum == S.APPROVED:
        recover_payout(payout.id)  # approved by an earlier run: reads before anything else
    db.session.refresh(payout)
    row = db.session.get(BatchRow, row_id, populate_existing=True)
    assert row is not None
    row.state, row.failure = _state_of(payout)
    db.session.commit()


def _state_of(payout: Payout) -> tuple[str, Failure | None]:
    status = payout.status_enum
    if status in SENT:
        return RowState.SENT.value, None
    if status in UNKNOWN:
        return RowState.UNKNOWN.value, None
    if status == S.AWAITING_APPROVAL:
        if payout.provider_invoice_id is None:
            return RowState.UNKNOWN.value, None
        return RowState.FAILED.value, payout.last_error or failure(PROCESS_REFUSED)
    if status == S.REJECTED:
        return RowState.FAILED.value, failure(REJECTED, reason=payout.rejection_reason)
    if payout.last_error:
        return RowState.FAILED.value, payout.last_error
    if payout.provider_resolution:
        return RowState.FAILED.value, failure(RESOLUTION, code=payout.provider_resolution)
    return RowState.FAILED.value, failure(FAILED_AT_PROVIDER, status=payout.provider_status)


def mark_late_failures(batch_id: int) -> int:
    """Rows sent whose payouts the provider failed afterwards count as failed rows."""
    failed_payouts = select(Payout.id).where(Payout.batch_id == batch_id,
                                             Payout.status == S.FAILED.value)
    changed = db.session.execute(
        update(BatchRow)
        .where(BatchRow.batch_id == batch_id, BatchRow.state == RowState.SENT.value,
               BatchRow.payout_id.in_(failed_payouts))
        .values(state=RowState.FAILED.value, failure=failure(FAILED_AT_PROVIDER))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed
