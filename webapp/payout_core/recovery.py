"""One idempotent recovery procedure for payouts whose provider state we do not know.

Used by the request path, the background job and `flask payouts recover`. It only ever reads
first and then takes steps that are safe to repeat: adopt what the provider has, create again
with the same reference_id when the provider says it has nothing (409 protects a race), and
re-send a process request only when the provider still shows `created` and we win the claim.
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
from webapp.models.status import FINAL_STATUSES
from webapp.payout_core.failures import NO_ANSWER_STORED, Failure, failure
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import callback_url, invoice_request_for
from webapp.payout_core.outcomes import describe, fail_creation
from webapp.payout_core.processing import claim_process_request, send_process_request
from webapp.payout_core.state import apply_invoice, move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import Conflict, ProviderError

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


def resolve_creation(payout_id: int) -> None:
    """Find the invoice by reference_id; adopt it, or create it again when absent."""
    client = provider_client()
    error: Failure | None = None
    for attempt in range(_attempts()):
        payout = db.session.get(Payout, payout_id, populate_existing=True)
        if payout is None or payout.status_enum != S.CREATION_UNKNOWN:
            return
        try:
            invoice = client.find_invoice_by_reference(payout.reference_id)
            if invoice is None:
                add_event(payout, "create_retried")  # not found by reference_id
                db.session.commit()
                invoice = client.create_invoice(invoice_request_for(payout, callback_url()))
        except Conflict:
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


def resolve_processing(payout_id: int) -> None:
    """Read the invoice; adopt its status, or re-ask for processing if it is still `created`."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None or payout.status_enum not in {S.APPROVED, S.PROCESSING_UNKNOWN}:
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
    # The provider never took the request: the approval still stands, so ask once more.
    if not claim_process_request(payout, [S.APPROVED, S.PROCESSING_UNKNOWN]):
        return
    db.session.refresh(payout)
    if payout.status_enum == S.PROCESSING_UNKNOWN:
        move(payout.id, [S.PROCESSING_UNKNOWN], S.APPROVED)
        add_event(payout, "process_resent", status_from=S.PROCESSING_UNKNOWN.value,
                  status_to=S.APPROVED.value)
        db.session.commit()
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


def recover_payout(payout_id: int) -> None:
    """Bring one payout as close to the provider's truth as the provider lets us now."""
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
    elif status == S.PROCESSING_UNKNOWN or (status == S.APPROVED and stale):
        resolve_processing(payout_id)
    elif status in {S.PROCESSING, S.AWAITING_APPROVAL}:
        sync_payout(payout_id)
