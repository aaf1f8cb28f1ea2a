"""Duplicates against what was already paid or queued: payouts of the last 30 days (same
service, currency, amount and recipient fields) and rows of other batches still on their way.

Payouts keep their recipient fields masked and encrypted, not digested. So candidates are
found cheaply by (amount, masked fields) and only those are decrypted and compared by the
keyed digest: a masked card number alone could be two different cards.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from webapp.batches.validation import RowResult, recipient_digest
from webapp.extensions import db
from webapp.models import Batch, BatchRow, Payout, PayoutStatus, RowState
from webapp.models.base import utcnow
from webapp.models.batch import BATCH_QUEUED
from webapp.models.status import MAY_PAY, values
from webapp.payout_core.secrets import decrypt_fields, mask_fields

RECENT_DAYS = 30
S = PayoutStatus
# A rejected or never-created payout paid nothing: repeating it is not a duplicate.
PAID_OR_PAYING = values(MAY_PAY)
QUEUED_BATCHES = [b.value for b in BATCH_QUEUED]
CHUNK = 500


def _key(amount: Decimal, masked: dict[str, str]) -> tuple[str, str]:
    return format(Decimal(amount).normalize(), "f"), json.dumps(masked, sort_keys=True)


def mark_recent_duplicates(rows: list[RowResult], service_code: str, currency: str,
                           exclude_batch_id: int | None = None) -> None:
    """Add an error to every valid row that repeats a recent payout or a queued batch row."""
    valid = [r for r in rows if r.valid and r.amount is not None and r.digest]
    if not valid:
        return
    _against_payouts(valid, service_code, currency)
    _against_batches([r for r in valid if r.valid], exclude_batch_id)


def _against_payouts(rows: list[RowResult], service_code: str, currency: str) -> None:
    wanted = defaultdict(list)
    for row in rows:
        assert row.amount is not None
        wanted[_key(row.amount, mask_fields(row.fields))].append(row)
    amounts = [r.amount for r in rows if r.amount is not None]
    query = (
        select(Payout.id, Payout.amount, Payout.fields_masked, Payout.fields_encrypted,
               Payout.created_at)
        .where(Payout.service_code == service_code, Payout.currency == currency,
               Payout.status.in_(PAID_OR_PAYING),
               Payout.created_at >= utcnow() - timedelta(days=RECENT_DAYS),
               Payout.amount >= min(amounts), Payout.amount <= max(amounts))
        .order_by(Payout.id)
        .execution_options(yield_per=1000)
    )
    for payout_id, amount, masked, encrypted, created_at in db.session.execute(query):
        candidates = wanted.get(_key(amount, masked or {}))
        if not candidates or not encrypted:
            continue
        digest = recipient_digest(service_code, currency, decrypt_fields(encrypted),
                                  Decimal(amount))
        for row in candidates:
            if row.valid and row.digest == digest:
                row.add_coded("duplicate_payout", id=payout_id,
                              date=created_at.date().isoformat())


def _against_batches(rows: list[RowResult], exclude_batch_id: int | None) -> None:
    by_digest = defaultdict(list)
    for row in rows:
        by_digest[row.digest].append(row)
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
