"""One idempotent recovery procedure for payouts whose provider state we do not know.

Run by the worker (queued after an unclear answer, the polling pass) and `flask payouts
recover`; never inline in a user's request. It only ever reads first and then takes steps that
are safe to repeat: adopt what the provider has, create again with the same reference_id when
the provider says it has nothing (a 409 carries the invoice to adopt), and re-send a process
request only when the provider shows it never started it, at most once automatically.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from flask import current_app

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.base import utcnow
from webapp.models.status import FINAL_STATUSES, READ_ONLY_OPEN, SEND_UNCONFIRMED
from webapp.payout_core.failures import NO_ANSWER_STORED, Failure, failure
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import callback_url, invoice_request_for
from webapp.payout_core.outcomes import describe, fail_creation
from webapp.payout_core.processing import (
    ProcessAnswer,
    ProcessResult,
    claim_resend,
    send_process_request,
)
from webapp.payout_core.state import apply_invoice, move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import Conflict, ProviderError
from webapp.provider.types import Invoice
from webapp.queue import job

log = logging.getLogger(__name__)
S = PayoutStatus


def _pause(attempt: int) -> None:
    base = float(current_app.config.get("RECOVERY_BACKOFF_SECONDS", 0.2))
    time.sleep(base * (2**attempt) * (0.5 + random.random()))  # noqa: S311 (jitter)


def _attempts() -> int:
    return int(current_app.config.get("RECOVERY_ATTEMPTS", 3))


def grace_period() -> timedelta:
    """How long an in-flight request may still be running; older ones are ours to resolve."""
    configured = current_app.config.get("RECOVERY_GRACE_SECONDS")
    if configured is not None:
        return timedelta(seconds=float(configured))
    timeouts = current_app.config["PAYMEGA_CONNECT_TIMEOUT"] + current_app.config[
        "PAYMEGA_READ_TIMEOUT"]
    return timedelta(seconds=timeouts + 5)


def _note_check(payout: Payout, error: Failure | None) -> None:
    payout.last_checked_at = utcnow()
    if error:
        payout.last_error = error
    db.session.commit()


def adopt_from_conflict(payout: Payout, conflict: Conflict) -> bool:
    """409 on create: the spec says to use the transaction the answer carries. True when the
    body held one for this payout's reference (adopted); False to fall back to the look-up."""
    invoice = conflict.invoice
    if not isinstance(invoice, Invoice) or invoice.reference_id not in (None,
                                                                        payout.reference_id):
        return False
    apply_invoice(payout, invoice, source="adopted_from_conflict")
    db.session.commit()
    return payout.provider_invoice_id == invoice.id


def resolve_creation(payout_id: int) -> None:
    """Find the invoice by reference_id; adopt it, or create it again (same reference) when
    the look-up answers that it is absent. Any error on the look-up leaves the payout
    creation_unknown with the failure noted. Runs in the worker: it may pause between
    attempts."""
    client = provider_client()
    error: Failure | None = None
    for attempt in range(_attempts()):
        payout = db.session.get(Payout, payout_id, populate_existing=True)
        if payout is None or payout.status_enum != S.CREATION_UNKNOWN:
            return
        try:
            invoice = client.find_invoice_by_reference(payout.reference_id)
        except ProviderError as exc:
            # Only an answer of "absent" proves absence: a failed read (a 4xx included) says
            # nothing about what the provider holds. Note it; a later pass reads again.
            error = describe(exc)
            _pause(attempt)
            continue
        try:
            if invoice is None:
                add_event(payout, "create_retried")  # not found by reference_id
                db.session.commit()
                invoice = client.create_invoice(invoice_request_for(payout, callback_url()))
        except Conflict as conflict:
            if adopt_from_conflict(payout, conflict):
                return
            continue  # someone else created it meanwhile: look it up again
        except ProviderError as exc:
            if exc.nothing_created:
                fail_creation(payout, exc)
                return
            error = describe(exc)
            _pause(attempt)
            continue
        apply_invoice(payout, invoice, source="adopted")
        db.session.commit()
        return
    payout = db.session.get(Payout, payout_id)
    if payout is not None:
        _note_check(payout, error)


def _since_request(payout: Payout) -> timedelta:
    return utcnow() - (payout.process_requested_at or payout.updated_at)


def resolve_processing(payout_id: int, *, manual: bool = False) -> None:
    """After an unclear answer to process (or a sender that died before storing one): read the
    invoice. Anything but `created` is adopted. `created` after the grace period proves the
    request was not taken: send it again, at most once automatically (a person pressing
    "check again" may allow one more), never while an earlier request may still be running."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None or payout.status_enum not in SEND_UNCONFIRMED:
        return
    settled = _since_request(payout) >= grace_period()
    if payout.status_enum == S.APPROVED:
        if not settled:
            return  # the approval's own request may still be on its way
        if move(payout.id, [S.APPROVED], S.PROCESSING_UNKNOWN,
                Payout.process_requests == payout.process_requests,
                last_error=failure(NO_ANSWER_STORED)):
            add_event(payout, "processing_unknown", status_from=S.APPROVED.value,
                      status_to=S.PROCESSING_UNKNOWN.value, failure=failure(NO_ANSWER_STORED))
        db.session.commit()
        payout = db.session.get(Payout, payout_id, populate_existing=True)
        if payout is None or payout.status_enum != S.PROCESSING_UNKNOWN:
            return
    try:
        invoice = provider_client().get_invoice(payout.provider_invoice_id or "")
    except ProviderError as exc:
        _note_check(payout, describe(exc))
        return
    if invoice.status.lower() != "created":
        apply_invoice(payout, invoice, source="recovered")
        db.session.commit()
        return
    _note_check(payout, None)
    if not settled or not claim_resend(payout, manual=manual):
        return
    db.session.refresh(payout)
    send_process_request(payout)


def sync_payout(payout_id: int, *, source: str = "polled") -> None:
    """Read a known invoice and apply it (the polling backstop)."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None or payout.provider_invoice_id is None or payout.is_final:
        return
    try:
        invoice = provider_client().get_invoice(payout.provider_invoice_id)
    except ProviderError as exc:
        _note_check(payout, describe(exc))
        return
    apply_invoice(payout, invoice, source=source)
    db.session.commit()


def recover_payout(payout_id: int, *, manual: bool = False) -> None:
    """Bring one payout as close to the provider's truth as the provider lets us now.
    `manual`: a person pressed "check again" (see `resolve_processing`)."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None or payout.status_enum in FINAL_STATUSES:
        return
    stale = (utcnow() - payout.updated_at) > grace_period()
    status = payout.status_enum
    if status == S.AWAITING_APPROVAL and payout.provider_invoice_id is None:
        if not stale:
            return  # the first create call may still be running
        if move(payout.id, [S.AWAITING_APPROVAL], S.CREATION_UNKNOWN):
            add_event(payout, "creation_unknown", status_from=S.AWAITING_APPROVAL.value,
                      status_to=S.CREATION_UNKNOWN.value, failure=failure(NO_ANSWER_STORED))
        db.session.commit()
        status = S.CREATION_UNKNOWN
    if status == S.CREATION_UNKNOWN:
        resolve_creation(payout_id)
    elif status in SEND_UNCONFIRMED:
        resolve_processing(payout_id, manual=manual)
    elif status in READ_ONLY_OPEN:
        sync_payout(payout_id)


def check_again(payout_id: int) -> None:
    """What the "check again" button asks the worker to do."""
    recover_payout(payout_id, manual=True)


def _run_recovery(payout_id: int, manual: bool) -> None:
    recover_payout(payout_id, manual=manual)


# Reads and re-sends after an unclear answer run in the worker, never in a user's request.
recovery_job = job()(_run_recovery)


def queue_recovery(payout_id: int, *, manual: bool = False) -> None:
    """Have the worker resolve the payout. `manual`: a person asked ("check again")."""
    recovery_job(payout_id, manual)


def send_and_follow_up(payout: Payout) -> ProcessResult:
    """Send process once (the caller holds the claim); an unclear answer is then checked by
    the worker."""
    result = send_process_request(payout)
    if result.answer == ProcessAnswer.UNCLEAR:
        queue_recovery(payout.id)
    return result
