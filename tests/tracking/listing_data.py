"""Payout rows written straight to the database, for list, export and dashboard tests that need
many payouts or chosen dates and statuses (the real creation flow is covered elsewhere)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus

NOW = datetime.now(UTC).replace(microsecond=0)
SNAPSHOT = {"code": "test_usd", "method": "test", "currency": "USD", "fields": []}


def payout_row(creator_id: int, **values: Any) -> dict[str, Any]:
    """One insertable payout; anything in `values` overrides the defaults."""
    row: dict[str, Any] = {
        "reference_id": str(uuid.uuid4()),
        "status": PayoutStatus.AWAITING_APPROVAL.value,
        "amount": Decimal("10.00"),
        "currency": "USD",
        "service_code": "test_usd",
        "method_code": "test",
        "service_snapshot": SNAPSHOT,
        "fields_masked": {"account": "4242"},
        "fields_encrypted": "x",
        "customer_name": "Rita Recipient",
        "customer_email": None,
        "created_by_id": creator_id,
        "created_at": NOW,
        "updated_at": NOW,
        "attempts": 0,
        "version": 1,
        "process_requests": 0,
    }
    row.update(values)
    return row


def insert_rows(rows: Iterable[dict[str, Any]], chunk: int = 5000) -> None:
    """Bulk INSERT in chunks (executemany), then commit."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            db.session.execute(insert(Payout), batch)
            batch = []
    if batch:
        db.session.execute(insert(Payout), batch)
    db.session.commit()


def add(creator_id: int, **values: Any) -> Payout:
    """Insert one payout and return it, loaded."""
    row = payout_row(creator_id, **values)
    insert_rows([row])
    return db.session.scalars(db.select(Payout).filter_by(reference_id=row["reference_id"])).one()


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
