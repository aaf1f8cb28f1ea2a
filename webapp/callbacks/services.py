"""Accepting a callback (record, deduplicate) and applying it (fetch before trust)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import CallbackLog, Payout, PayoutStatus
from webapp.models.base import utcnow
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.outcomes import describe
from webapp.payout_core.recovery import recover_payout
from webapp.payout_core.state import apply_invoice
from webapp.provider import bounded_json
from webapp.provider.errors import MalformedResponse, ProviderError
from webapp.provider.parsing import parse_invoice
from webapp.queue import crontab, job, periodic

log = logging.getLogger(__name__)
# A callback still "received" this long after it came was never applied by its job (the queue
# was away when it came, or the job was lost with a worker): the sweep applies it.
WAITING_AFTER = timedelta(seconds=60)


class UnreadableCallback(ValueError):
    """Signed, but not an invoice we can read."""


@dataclass(frozen=True)
class Accepted:
    log_id: int | None
    outcome: str  # received | duplicate | unknown_invoice


def accept(raw: bytes) -> Accepted:
    """Store the callback once; the caller answers 200 whatever this returns."""
    try:
        body = bounded_json.loads(raw)
        invoice = parse_invoice(body.get("data") if isinstance(body, dict) else None)
    except (bounded_json.JSONTooHostile, MalformedResponse) as exc:
        raise UnreadableCallback(str(exc)[:200]) from exc
    if invoice is None:
        raise UnreadableCallback("no invoice in the body")
    digest = hashlib.sha256(raw).hexdigest()
    if db.session.scalar(select(CallbackLog.id).filter_by(body_sha256=digest)) is not None:
        return Accepted(None, "duplicate")
    conditions = [Payout.provider_invoice_id == invoice.id]
    if invoice.reference_id:
        conditions.append(Payout.reference_id == invoice.reference_id)
    payout_id = db.session.scalar(select(Payout.id).where(or_(*conditions)).limit(1))
    entry = CallbackLog(
        body_sha256=digest, raw_body=raw.decode("utf-8", "replace"), invoice_id=invoice.id[:64],
        reference_id=(invoice.reference_id or "")[:64] or None,
        reported_status=(invoice.status or "")[:32], reported_updated=invoice.updated,
        payout_id=payout_id, outcome="received" if payout_id else "unknown_invoice",
    )
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:  # the same callback twice at the same moment
        db.session.rollback()
        return Accepted(None, "duplicate")
    if payout_id is None:
        log.warning("callback for unknown invoice %s ignored", invoice.id)
    return Accepted(entry.id, entry.outcome)


def apply_callback(log_id: int) -> str:
    """Read the invoice from the provider and apply that, never the callback's own body."""
    entry = db.session.get(CallbackLog, log_id)
    if entry is None or entry.payout_id is None or entry.outcome != "received":
        return "skipped"
    payout = db.session.get(Payout, entry.payout_id)
    assert payout is not None
    if payout.provider_invoice_id is None or payout.status_enum == PayoutStatus.CREATION_UNKNOWN:
        recover_payout(payout.id)  # we did not know the invoice yet: adopt it by reference
        entry.outcome = "applied"
        db.session.commit()
        return entry.outcome
    if (entry.reported_updated is not None and payout.provider_updated is not None
            and entry.reported_updated < payout.provider_updated):
        entry.outcome = "stale"
        db.session.commit()
        return entry.outcome
    try:
        invoice = provider_client().get_invoice(payout.provider_invoice_id)
    except ProviderError as exc:
        entry.outcome = "fetch_failed"
        payout.last_error = describe(exc)
        db.session.commit()
        return entry.outcome
    moved = apply_invoice(payout, invoice, source="callback")
    entry.outcome = "applied" if moved else "no_change"
    db.session.commit()
    return entry.outcome


# Applied in the background (inline under TASKS_IMMEDIATE); a failed read is tried again.
apply_callback_task = job(retries=3, retry_delay=5)(apply_callback)


def apply_waiting_callbacks(limit: int = 500) -> int:
    """The sweep behind `enqueue_or_defer`: apply stored callbacks whose job never ran. Safe
    beside a late job for the same entry: applying re-reads the invoice and moves the status
    through the transition table, so a second application changes nothing."""
    waiting = list(db.session.scalars(
        select(CallbackLog.id).where(CallbackLog.outcome == "received",
                                     CallbackLog.received_at <= utcnow() - WAITING_AFTER)
        .order_by(CallbackLog.id).limit(limit)))
    db.session.commit()
    for log_id in waiting:
        apply_callback(log_id)
    if waiting:
        log.info("applied %d callbacks that waited for the queue", len(waiting))
    return len(waiting)


@periodic(crontab(minute="*"))
def apply_waiting_callbacks_task() -> None:
    """Callbacks stored while the queue was away (webapp/degraded.py) are applied here."""
    apply_waiting_callbacks()
