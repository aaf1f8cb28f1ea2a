"""Asking the provider to process an approved payout, exactly once on the wire.

The caller must first win a claim (the approval's conditional UPDATE, or `claim_resend`): that
is what makes racing approvers and recovery passes send one request per round. Then:

- 2xx: accepted. Processing is asynchronous, so the invoice may still read `created`; the
  payout is `processing` from now on and process is never sent again for it.
- 409 carrying the invoice: adopted from the body (the spec's directive) unless it still reads
  `created`, which proves nothing; then it is unclear like a 5xx.
- definite refusal (400, 401, 403, 404, 405, 422): nothing happened; back in the queue, and
  it needs a new approval.
- unclear (5xx, timeout, dropped connection, malformed answer): `processing_unknown`; the
  worker reads the invoice and re-sends at most once, only if the read shows it never started
  (`recovery.send_and_follow_up` queues that check).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from sqlalchemy import delete

from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutStatus
from webapp.models.base import utcnow
from webapp.payout_core.failures import CONFLICT_STILL_CREATED, Failure, failure
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.outcomes import describe
from webapp.payout_core.state import apply_invoice, move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import Conflict, NotFound, ProviderError, ProviderRejected
from webapp.provider.types import Invoice

log = logging.getLogger(__name__)
S = PayoutStatus
# The approval's request and one automatic re-send; beyond that only a person ("check
# again") may have it sent again, and only when the provider shows it never started.
AUTOMATIC_SENDS = 2


class ProcessAnswer(enum.StrEnum):
    ACCEPTED = "accepted"  # the provider took it (or already had): never sent again
    REFUSED = "refused"  # a definite no: back in the queue for a new approval
    UNCLEAR = "unclear"  # being checked by the worker; never sent twice


@dataclass(frozen=True)
class ProcessResult:
    answer: ProcessAnswer
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.answer == ProcessAnswer.ACCEPTED


def send_process_request(payout: Payout) -> ProcessResult:
    """POST …/process once (the caller holds the claim) and store what the answer proves."""
    assert payout.provider_invoice_id is not None
    try:
        invoice = provider_client().process_invoice(payout.provider_invoice_id)
    except Conflict as conflict:
        return _after_conflict(payout, conflict)
    except (ProviderRejected, NotFound) as exc:
        return _back_to_queue(payout, exc)
    except ProviderError as exc:
        return _unclear(payout, describe(exc))
    _accepted(payout, invoice, "process_requested")
    return ProcessResult(ProcessAnswer.ACCEPTED)


def _accepted(payout: Payout, invoice: Invoice, source: str) -> None:
    """The provider took the request: store its view and mark the payout `processing` even if
    the invoice still reads `created` (the spec's own sample answer does)."""
    apply_invoice(payout, invoice, source=source)
    if move(payout.id, [S.APPROVED], S.PROCESSING, last_error=None):
        add_event(payout, "process_accepted", status_from=S.APPROVED.value,
                  status_to=S.PROCESSING.value, provider_status=invoice.status)
    db.session.commit()


def _after_conflict(payout: Payout, conflict: Conflict) -> ProcessResult:
    invoice = conflict.invoice
    if isinstance(invoice, Invoice) and invoice.status.lower() != "created":
        _accepted(payout, invoice, "process_conflict")
        return ProcessResult(ProcessAnswer.ACCEPTED)
    return _unclear(payout, failure(CONFLICT_STILL_CREATED))


def _unclear(payout: Payout, reason: Failure) -> ProcessResult:
    """Nothing proves whether the request was taken: say so, and let the worker find out."""
    if move(payout.id, [S.APPROVED], S.PROCESSING_UNKNOWN, last_error=reason):
        add_event(payout, "processing_unknown", status_from=S.APPROVED.value,
                  status_to=S.PROCESSING_UNKNOWN.value, failure=reason)
    db.session.commit()
    return ProcessResult(ProcessAnswer.UNCLEAR, reason)


def _back_to_queue(payout: Payout, exc: ProviderError) -> ProcessResult:
    """A definite refusal: the provider did nothing. The approval is spent; the next attempt
    needs a fresh yes (and gets its own automatic re-send)."""
    reason = describe(exc)
    if move(payout.id, [S.APPROVED], S.AWAITING_APPROVAL, approved_by_id=None,
            approved_at=None, last_error=reason, process_requests=0):
        add_event(payout, "process_refused", status_from=S.APPROVED.value,
                  status_to=S.AWAITING_APPROVAL.value, failure=reason)
        db.session.execute(delete(PayoutApproval).where(PayoutApproval.payout_id == payout.id))
    db.session.commit()
    return ProcessResult(ProcessAnswer.REFUSED, reason)


def claim_resend(payout: Payout, *, manual: bool) -> bool:
    """Take the right to send process again for a payout whose request the provider provably
    never took: `processing_unknown` → `approved`, counted, once per round however many
    workers race. Automatic passes stop after `AUTOMATIC_SENDS` requests."""
    conditions = [Payout.process_requests == payout.process_requests]
    if not manual:
        conditions.append(Payout.process_requests < AUTOMATIC_SENDS)
    won = move(payout.id, [S.PROCESSING_UNKNOWN], S.APPROVED, *conditions,
               process_requests=Payout.process_requests + 1, process_requested_at=utcnow())
    if won:
        add_event(payout, "process_resent", status_from=S.PROCESSING_UNKNOWN.value,
                  status_to=S.APPROVED.value, manual=manual)
    db.session.commit()
    return won
