"""Asking the provider to process an approved payout, and mapping every possible answer.

The caller must first win `claim_process_request` (a conditional UPDATE): that is what makes
racing approvers and recovery passes send exactly one process request each round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, update

from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutStatus
from webapp.models.base import utcnow
from webapp.payout_core.failures import CONFLICT_STILL_CREATED, Failure, failure
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.outcomes import describe
from webapp.payout_core.state import apply_invoice, move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import Conflict, ProviderError

log = logging.getLogger(__name__)
S = PayoutStatus


@dataclass(frozen=True)
class ProcessResult:
    ok: bool
    failure: Failure | None = None


def claim_process_request(payout: Payout, allowed: list[PayoutStatus]) -> bool:
    """Take the right to send the next process request (row count decides)."""
    statement = (
        update(Payout)
        .where(
            Payout.id == payout.id,
            Payout.process_requests == payout.process_requests,
            Payout.status.in_([s.value for s in allowed]),
        )
        .values(process_requests=Payout.process_requests + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    won = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return won


def send_process_request(payout: Payout) -> ProcessResult:
    """POST …/process once and store what it tells us. Never retried blindly."""
    client = provider_client()
    assert payout.provider_invoice_id is not None
    try:
        invoice = client.process_invoice(payout.provider_invoice_id)
    except Conflict:
        # Already processed (or processing): the provider's record is the truth; read it.
        return _read_and_apply(payout, "process_conflict")
    except ProviderError as exc:
        if exc.outcome_unknown:
            _mark_processing_unknown(payout, describe(exc))
            return ProcessResult(False, describe(exc))
        return _after_rejection(payout, exc)
    apply_invoice(payout, invoice, source="process_requested")
    db.session.commit()
    return ProcessResult(True)


def _mark_processing_unknown(payout: Payout, reason: Failure) -> None:
    if move(payout.id, [S.APPROVED], S.PROCESSING_UNKNOWN, last_error=reason):
        add_event(payout, "processing_unknown", status_from=S.APPROVED.value,
                  status_to=S.PROCESSING_UNKNOWN.value, failure=reason)
    db.session.commit()


def _read_and_apply(payout: Payout, source: str) -> ProcessResult:
    try:
        invoice = provider_client().get_invoice(payout.provider_invoice_id or "")
    except ProviderError as exc:
        _mark_processing_unknown(payout, describe(exc))
        return ProcessResult(False, describe(exc))
    if invoice.status.lower() == "created":
        # 409 yet still created: nothing we can conclude; leave it to recovery.
        still_created = failure(CONFLICT_STILL_CREATED)
        _mark_processing_unknown(payout, still_created)
        return ProcessResult(False, still_created)
    apply_invoice(payout, invoice, source=source)
    db.session.commit()
    return ProcessResult(True)


def _after_rejection(payout: Payout, exc: ProviderError) -> ProcessResult:
    """4xx: the provider refused. Back to the queue only if it says the invoice is still created."""
    reason = describe(exc)
    try:
        invoice = provider_client().get_invoice(payout.provider_invoice_id or "")
    except ProviderError as read_error:
        _mark_processing_unknown(payout, {**reason, "then": describe(read_error)})
        return ProcessResult(False, reason)
    if invoice.status.lower() == "created":
        if move(payout.id, [S.APPROVED], S.AWAITING_APPROVAL,
                approved_by_id=None, approved_at=None, last_error=reason):
            add_event(payout, "process_refused", status_to=S.AWAITING_APPROVAL.value,
                      failure=reason)
            # Its approvals are spent: the next attempt needs a fresh yes.
            db.session.execute(delete(PayoutApproval).where(PayoutApproval.payout_id == payout.id))
        db.session.commit()
        return ProcessResult(False, reason)
    apply_invoice(payout, invoice, source="process_refused")
    add_event(payout, "process_refused", failure=reason)
    db.session.commit()
    return ProcessResult(False, reason)
