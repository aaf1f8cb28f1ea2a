"""Duplicates against what was already paid or queued: payouts of the last 30 days (same
service, currency, amount and recipient fields) and rows of other batches still on their way.
Both keep the same keyed digest (payout_core/recipient_digest.py): each is found by an indexed
lookup of the rows' digests, with nothing decrypted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from webapp.batches.validation import RowResult
from webapp.extensions import db
from webapp.models import Batch, BatchRow, Payout, RowState
from webapp.models.base import utcnow
from webapp.models.batch import BATCH_QUEUED
from webapp.payout_core.duplicates import PAID_OR_PAYING, RECENT_DAYS

QUEUED_BATCHES = [b.value for b in BATCH_QUEUED]
CHUNK = 500


def mark_recent_duplicates(rows: list[RowResult], exclude_batch_id: int | None = None) -> None:
    """Add an error to every valid row that repeats a recent payout or a queued batch row."""
    valid = [r for r in rows if r.valid and r.amount is not None and r.digest]
    if not valid:
        return
    _against_payouts(valid)
    _against_batches([r for r in valid if r.valid], exclude_batch_id)


def _against_payouts(rows: list[RowResult]) -> None:
    by_digest = _by_digest(rows)
    digests = list(by_digest)
    for start in range(0, len(digests), CHUNK):
        query = (
            select(Payout.recipient_digest, Payout.id, Payout.created_at)
            .where(Payout.recipient_digest.in_(digests[start:start + CHUNK]),
                   Payout.status.in_(PAID_OR_PAYING),
                   Payout.created_at >= utcnow() - timedelta(days=RECENT_DAYS))
            .order_by(Payout.id)
        )
        for digest, payout_id, created_at in db.session.execute(query):
            for row in by_digest[digest]:
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
                   Batch.created_at >= utcnow() - timedelta(days=RECENT_DAYS))
        )
        if exclude_batch_id is not None:
            query = query.where(BatchRow.batch_id != exclude_batch_id)
        for digest, batch_id, row_number in db.session.execute(query):
            for row in by_digest[digest]:
                if row.valid:
                    row.add_coded("duplicate_batch_row", row=row_number, batch=batch_id)
