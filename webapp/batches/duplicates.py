"""Duplicates against what was already paid or queued: payouts of the last 30 days (same
service, currency, amount and recipient fields) and rows of other batches still on their way.
Both keep the same keyed digest (payout_core/recipient_digest.py): each is found by an indexed
lookup of the rows' digests. Only recent payouts stored without one (a rolling deploy) are
decrypted, to digest them.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, select

from webapp.batches.validation import RowResult
from webapp.extensions import db
from webapp.models import Batch, BatchRow, Payout, RowState
from webapp.models.batch import BATCH_QUEUED
from webapp.payout_core.duplicates import (
    FIELDS_IF_UNDIGESTED,
    PAID_OR_PAYING,
    UNDIGESTED,
    row_digest,
    window_start,
)

QUEUED_BATCHES = [b.value for b in BATCH_QUEUED]
CHUNK = 500


def mark_recent_duplicates(rows: list[RowResult], service_code: str, currency: str,
                           exclude_batch_id: int | None = None) -> None:
    """Add an error to every valid row that repeats a recent payout or a queued batch row."""
    valid = [r for r in rows if r.valid and r.amount is not None and r.digest]
    if not valid:
        return
    _against_payouts(valid, service_code, currency)
    _against_batches([r for r in valid if r.valid], exclude_batch_id)


def _against_payouts(rows: list[RowResult], service_code: str, currency: str) -> None:
    by_digest = _by_digest(rows)
    digests = list(by_digest)
    recent = [Payout.status.in_(PAID_OR_PAYING), Payout.created_at >= bindparam("since")]
    found = []
    for start in range(0, len(digests), CHUNK):
        found += db.session.execute(
            select(Payout.recipient_digest, Payout.id, Payout.created_at)
            .where(Payout.recipient_digest.in_(digests[start:start + CHUNK]), *recent),
            {"since": window_start()}).all()
    # Recent payouts stored without a digest (a rolling deploy): digested here.
    amounts = [r.amount for r in rows if r.amount is not None]
    undigested = db.session.execute(
        select(Payout.recipient_digest, Payout.id, Payout.created_at, Payout.service_code,
               Payout.currency, Payout.amount, FIELDS_IF_UNDIGESTED)
        .where(UNDIGESTED, Payout.service_code == service_code, Payout.currency == currency,
               Payout.amount >= min(amounts), Payout.amount <= max(amounts), *recent),
        {"since": window_start()})
    found += [(row_digest(row), row.id, row.created_at) for row in undigested]
    for digest, payout_id, created_at in sorted(found, key=lambda hit: hit[1]):
        for row in by_digest.get(digest or "", []):
            if row.valid:
                row.add_coded("duplicate_payout", id=payout_id,
                              date=created_at.date().isoformat())


def _by_digest(rows: list[RowResult]) -> dict[str, list[RowResult]]:
    by_digest: dict[str, list[RowResult]] = defaultdict(list)
    for row in rows:
        assert row.digest is not None
        by_digest[row.digest].append(row)
    return by_digest


def _against_batches(rows: list[RowResult], exclude_batch_id: int | None) -> None:
    by_digest = _by_digest(rows)
    digests = list(by_digest)
    for start in range(0, len(digests), CHUNK):
        query = (
            select(BatchRow.recipient_digest, BatchRow.batch_id, BatchRow.row_number)
            .join(Batch, Batch.id == BatchRow.batch_id)
            .where(BatchRow.recipient_digest.in_(digests[start:start + CHUNK]),
                   BatchRow.state != RowState.INVALID.value,
                   Batch.status.in_(QUEUED_BATCHES),
                   Batch.created_at >= window_start())
        )
        if exclude_batch_id is not None:
            query = query.where(BatchRow.batch_id != exclude_batch_id)
        for digest, batch_id, row_number in db.session.execute(query):
            for row in by_digest[digest]:
                if row.valid:
                    row.add_coded("duplicate_batch_row", row=row_number, batch=batch_id)
