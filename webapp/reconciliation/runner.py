"""One reconciliation run: walk the provider's invoice list for the period with its cursors,
match each invoice to a payout (by invoice id, then reference_id), record what differs, then
find the desk's payouts the provider did not list, and total both sides.

Memory stays bounded whatever the period holds: one provider page at a time, the desk's
payouts read in chunks, and what must be remembered between pages (which payouts were seen)
kept in the database. Every page commits its differences, matches, counters and the cursor in
one transaction, so a run that dies resumes at the page after its cursor, counting nothing
twice. The provider is the truth for its state: a status difference is settled by reading
the invoice and applying it through the payout's one status writer (on its timeline); every
other difference waits for a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from webapp.extensions import db
from webapp.models import (
    DifferenceKind,
    Payout,
    ReconciliationDifference,
    ReconciliationMatch,
    ReconciliationRun,
    RunPhase,
    RunStatus,
)
from webapp.models.base import as_utc, utcnow
from webapp.payout_core.failures import failure_of
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.state import apply_invoice
from webapp.provider.errors import NotFound, ProviderError
from webapp.provider.types import Invoice, InvoicePage
from webapp.reconciliation import totals
from webapp.reconciliation.compare import differences, stored_number

log = logging.getLogger(__name__)
K = DifferenceKind
PAGE_SIZE = 100
DESK_CHUNK = 500
DEFAULT_LEASE_SECONDS = 120.0
SOURCE = "reconciliation"  # the timeline event kind of a settled status
# Test seam: called after each committed page with the run (a crash is simulated by raising).
after_page: Callable[[ReconciliationRun], None] | None = None


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("RECONCILIATION_LEASE_SECONDS",
                                                          DEFAULT_LEASE_SECONDS)))


def claim(run_id: int) -> bool:
    """Take the run: a queued or failed one, or a running one whose worker stopped beating
    (it died); one winner however many workers try."""
    now = utcnow()
    stale = now - _lease()
    won = db.session.execute(
        update(ReconciliationRun)
        .where(ReconciliationRun.id == run_id,
               or_(ReconciliationRun.status.in_([RunStatus.QUEUED.value,
                                                  RunStatus.FAILED.value]),
                   and_(ReconciliationRun.status == RunStatus.RUNNING.value,
                        or_(ReconciliationRun.heartbeat_at.is_(None),
                            ReconciliationRun.heartbeat_at < stale))))
        .values(status=RunStatus.RUNNING.value, heartbeat_at=now, error=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return won


def execute(run_id: int) -> ReconciliationRun | None:
    """Run (or resume) the run if this worker wins it; None when another one holds it."""
    if not claim(run_id):
        return None
    run = db.session.get(ReconciliationRun, run_id, populate_existing=True)
    assert run is not None
    if run.started_at is None:
        run.started_at = utcnow()
        db.session.commit()
    try:
        if run.phase == RunPhase.PROVIDER.value:
            _walk_provider(run)
        if run.phase == RunPhase.DESK.value:
            _walk_desk(run)
    except ProviderError as exc:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, run_id, populate_existing=True)
        assert run is not None
        run.status, run.error = RunStatus.FAILED.value, failure_of(exc)
        db.session.commit()
        log.warning("reconciliation run %s stopped at cursor %s: %s", run.id, run.cursor, exc)
        return run
    run.phase, run.status, run.finished_at = (RunPhase.FINISHED.value, RunStatus.DONE.value,
                                              utcnow())
    db.session.commit()
    return run


# --- the provider's side ------------------------------------------------------------------

def _epoch(moment: datetime) -> int:
    return int(as_utc(moment).timestamp())


def _walk_provider(run: ReconciliationRun) -> None:
    start, end = _epoch(run.period_start), _epoch(run.period_end)
    client = provider_client()
    for page in client.invoice_pages(after=run.cursor, size=PAGE_SIZE):
        older_than_period = _take_page(run, page, start, end)
        if after_page is not None:
            after_page(run)
        if older_than_period:
            break  # newest first: everything after this is older still
    run.phase = RunPhase.DESK.value
    db.session.commit()


def _take_page(run: ReconciliationRun, page: InvoicePage, start: int, end: int) -> bool:
    """Record one page in one transaction; True once the list went below the period."""
    in_period = [i for i in page.invoices if i.created is None or start <= i.created < end]
    older = any(i.created is not None and i.created < start for i in page.invoices)
    known = _payouts_for(in_period)
    provider_totals: totals.Totals = dict(run.provider_totals or {})
    found = 0
    matched: set[int] = set()
    for invoice in in_period:
        totals.add(provider_totals, invoice.currency, invoice.status, invoice.amount,
                   invoice.fee, invoice.processed_amount)
        payout = known.get(("id", invoice.id)) or known.get(("ref", invoice.reference_id))
        if payout is None:
            _difference(run, K.UNKNOWN_AT_DESK, None, invoice, None, invoice.status)
            found += 1
            continue
        if payout.id not in matched:
            matched.add(payout.id)
            db.session.add(ReconciliationMatch(run_id=run.id, payout_id=payout.id))
        for difference in differences(payout, invoice):
            row = _difference(run, difference.kind, payout, invoice, difference.desk,
                              difference.provider)
            if difference.kind == K.STATUS:
                _settle(payout, invoice, row)
            found += 1
    run.provider_totals = provider_totals
    run.cursor = page.after
    run.pages += 1
    run.invoices_seen += len(page.invoices)
    run.invoices_in_period += len(in_period)
    run.differences += found
    run.heartbeat_at = utcnow()
    db.session.commit()
    return older


def _payouts_for(invoices: list[Invoice]) -> dict[tuple[str, str | None], Payout]:
    ids = [i.id for i in invoices]
    references = [i.reference_id for i in invoices if i.reference_id]
    if not ids:
        return {}
    rows = db.session.scalars(select(Payout).where(or_(
        Payout.provider_invoice_id.in_(ids), Payout.reference_id.in_(references or [""]))))
    found: dict[tuple[str, str | None], Payout] = {}
    for payout in rows:
        if payout.provider_invoice_id:
            found[("id", payout.provider_invoice_id)] = payout
        found[("ref", payout.reference_id)] = payout
    return found


def _difference(run: ReconciliationRun, kind: DifferenceKind, payout: Payout | None,
                invoice: Invoice | None, desk: str | None, provider: str | None
                ) -> ReconciliationDifference:
    row = ReconciliationDifference(
        run_id=run.id, kind=kind.value, payout_id=payout.id if payout else None,
        invoice_id=invoice.id if invoice else (payout.provider_invoice_id if payout else None),
        reference_id=(invoice.reference_id if invoice else None)
        or (payout.reference_id if payout else None),
        currency=(invoice.currency if invoice else None) or (payout.currency if payout else None),
        desk_value=None if desk is None else str(desk)[:64],
        provider_value=None if provider is None else str(provider)[:64])
    db.session.add(row)
    return row


def _settle(payout: Payout, listed: Invoice, row: ReconciliationDifference) -> None:
    """The provider is the truth for its state: read the invoice now (the list may be older)
    and apply it through the one status writer, which puts it on the payout's timeline."""
    try:
        invoice = provider_client().get_invoice(listed.id)
    except ProviderError as exc:
        log.warning("reconciliation: could not read %s to settle it: %s", listed.id, exc)
        return
    apply_invoice(payout, invoice, source=SOURCE)
    row.provider_value = invoice.status.lower()[:64]
    row.settled = True


# --- the desk's side ----------------------------------------------------------------------

def _walk_desk(run: ReconciliationRun) -> None:
    """The desk's payouts of the period in chunks: totals, and the ones the provider did not
    list (confirmed by reading each one: it may simply lie outside the provider's period).
    Done again whole on resume: the differences of an interrupted pass are dropped first."""
    dropped = db.session.execute(delete(ReconciliationDifference).where(
        ReconciliationDifference.run_id == run.id,
        ReconciliationDifference.kind == K.MISSING_AT_PROVIDER.value)).rowcount
    run.differences -= dropped
    db.session.commit()
    desk_totals: totals.Totals = {}
    checked = 0
    for chunk in _desk_chunks(run):
        for payout, matched in chunk:
            checked += 1
            totals.add(desk_totals, payout.currency, payout.provider_status or None,
                       payout.amount, stored_number(payout, "fee"),
                       stored_number(payout, "processed_amount"))
            if not matched and payout.provider_invoice_id:
                desk_status = _missing_at_provider(payout)
                if desk_status is not None:
                    _difference(run, K.MISSING_AT_PROVIDER, payout, None, desk_status, None)
                    run.differences += 1
        run.heartbeat_at = utcnow()
        db.session.commit()
    run.desk_totals = desk_totals
    run.payouts_checked = checked
    db.session.commit()


def _desk_chunks(run: ReconciliationRun) -> Iterable[list[tuple[Payout, bool]]]:
    last = 0
    while True:
        matched = select(ReconciliationMatch.payout_id).where(
            ReconciliationMatch.run_id == run.id, ReconciliationMatch.payout_id == Payout.id
        ).exists()
        rows = db.session.execute(
            select(Payout, matched).where(
                Payout.id > last, Payout.created_at >= run.period_start,
                Payout.created_at < run.period_end)
            .order_by(Payout.id).limit(DESK_CHUNK)).all()
        if not rows:
            return
        last = rows[-1][0].id
        yield [(payout, bool(seen)) for payout, seen in rows]


def _missing_at_provider(payout: Payout) -> str | None:
    """The desk's status when the provider does not know the invoice; None when it does."""
    try:
        provider_client().get_invoice(str(payout.provider_invoice_id))
    except NotFound:
        return payout.provider_status or payout.status
    return None


# --- starting runs -------------------------------------------------------------------------

def create_run(period_start: datetime, period_end: datetime, *, requested_by_id: int | None,
               schedule_key: str | None = None) -> ReconciliationRun:
    run = ReconciliationRun(period_start=as_utc(period_start), period_end=as_utc(period_end),
                            requested_by_id=requested_by_id, schedule_key=schedule_key,
                            provider_totals={}, desk_totals={})
    db.session.add(run)
    db.session.commit()
    return run


def day_bounds(day: datetime) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def progress(run: ReconciliationRun) -> dict[str, Any]:
    return {"pages": run.pages, "invoices": run.invoices_seen,
            "in_period": run.invoices_in_period, "phase": run.phase}
