"""Status changes as conditional UPDATEs, and applying what the provider says about an invoice.

Every path that learns something from the provider (the create answer, a callback, a poll, a
recovery pass) goes through `apply_invoice`, so the rules live in one place: a final status
never changes, an older `updated` never overwrites a newer one, every change is on the timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import IllegalTransition, Payout, PayoutStatus, check_transition
from webapp.models.base import utcnow
from webapp.models.status import FINAL_STATUSES, is_provider_final, status_from_provider
from webapp.payout_core.timeline import add_event
from webapp.provider.types import Invoice

log = logging.getLogger(__name__)
S = PayoutStatus


def move(
    payout_id: int,
    allowed_from: Iterable[PayoutStatus],
    to: PayoutStatus,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """The one writer of a payout's status. UPDATE … WHERE status IN (allowed_from) AND
    conditions; True only for the caller whose update matched. Every source is checked
    against the transition table first (an illegal move raises `IllegalTransition`). Runs in
    the caller's transaction: the caller commits together with its timeline event."""
    sources = list(allowed_from)
    for source in sources:
        check_transition(source, to)
    statement = (
        update(Payout)
        .where(Payout.id == payout_id, Payout.status.in_([s.value for s in sources]),
               *conditions)
        .values(status=to.value, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount == 1


def _locked(payout: Payout, deciding_only: bool) -> Payout:
    """Lock the row (PostgreSQL) so a callback and a poll apply one after the other, and read
    it (or with `deciding_only` the columns that decide) fresh in the same statement. A payout
    not in this session is loaded whole."""
    if deciding_only and payout in db.session:
        db.session.refresh(payout, DECIDING_COLUMNS, with_for_update=True)
        return payout
    locked = db.session.get(Payout, payout.id, populate_existing=True, with_for_update=True)
    assert locked is not None
    return locked


def target_status(current: PayoutStatus, provider_status: str) -> PayoutStatus:
    """What our status becomes when the provider reports `provider_status`."""
    value = provider_status.lower()
    if current in FINAL_STATUSES:
        return current
    if is_provider_final(value):
        return status_from_provider(value)
    if value == "created":
        # Created at the provider: adopted if we were unsure; after approval only recovery
        # (which reads first) may decide to ask for processing again.
        return S.AWAITING_APPROVAL if current == S.CREATION_UNKNOWN else current
    return S.PROCESSING


# The columns apply_invoice reads to decide; the rest it only writes.
DECIDING_COLUMNS = ("status", "provider_invoice_id", "provider_updated", "provider_status",
                    "provider_resolution")


def apply_invoice(payout: Payout, invoice: Invoice, *, source: str,
                  deciding_only: bool = False) -> bool:
    """Store the provider's view of `payout` (row-locked); returns True when our status moved.
    The caller commits. `deciding_only`: only DECIDING_COLUMNS are read again under the lock,
    not the JSON columns (half the statement's cost on PostgreSQL); the caller must read
    nothing else of the row before its commit expires it (the create call does exactly
    that: apply, commit)."""
    payout = _locked(payout, deciding_only)
    now = utcnow()
    payout.last_checked_at = now
    if payout.provider_invoice_id is None:
        payout.provider_invoice_id = invoice.id
    elif payout.provider_invoice_id != invoice.id:
        log.error("payout %s: invoice %s does not match stored %s",
                  payout.id, invoice.id, payout.provider_invoice_id)
        return False
    if invoice.updated is not None and payout.provider_updated is not None \
            and invoice.updated < payout.provider_updated:
        add_event(payout, "stale_update_ignored", source=source,
                  provider_status=invoice.status, updated=invoice.updated)
        return False
    current = payout.status_enum
    target = target_status(current, invoice.status)
    provider_changed = (invoice.status, invoice.resolution) != (
        payout.provider_status, payout.provider_resolution
    )
    if current in FINAL_STATUSES and provider_changed:
        # Final means final: note the disagreement, change nothing.
        add_event(payout, "final_status_kept", source=source, provider_status=invoice.status)
        return False
    payout.provider_status = invoice.status
    payout.provider_resolution = invoice.resolution
    if invoice.updated is not None:
        payout.provider_updated = invoice.updated
    payout.provider_payload = invoice.raw or None
    if target != current:
        try:
            moved = move(payout.id, [current], target)
        except IllegalTransition:
            log.warning("payout %s: ignoring %s -> %s from %s", payout.id, current, target, source)
            return False
        if not moved:
            return False
        # Written by `move`; keep the loaded object in step without writing it again.
        set_committed_value(payout, "status", target.value)
        add_event(payout, source, status_from=current.value, status_to=target.value,
                  provider_status=invoice.status, resolution=invoice.resolution)
        return True
    if provider_changed:
        add_event(payout, source, provider_status=invoice.status,
                  resolution=invoice.resolution)
    return False
