"""The duplicate checks stay index look-ups when the table is full of payouts that have no
recipient digest: those older than the window the digest migration filled (every payout
stored before it, once a month has passed) and those a previous version stores during a
rolling deploy. Found on SQLite: its planner answered `recipient_digest IS NULL` from the
digest index, so every create read every old payout (32 ms per check at 100,000 of them),
and with that index partial it read every payout of the service instead (8 ms).

The three checks (a single payout, the approvals queue, a batch upload) run for real; each
statement that looks for undigested rows is explained as the database would run it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from tests.tracking.listing_data import NOW, insert_rows, payout_row
from webapp.batches.duplicates import mark_recent_duplicates
from webapp.batches.validation import RowResult
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.duplicates import duplicate_flags, possible_duplicates
from webapp.payout_core.recipient_digest import recipient_digest

OLD = 4000  # payouts of the same service, older than every window, without a digest
FIELDS = {"account": "4242"}


@contextmanager
def undigested_lookups() -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of every SELECT that looks for rows without a digest."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and \
                re.search(r"recipient_digest IS NULL\)? AND", statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _plan(statement: str, parameters: Any, is_postgres: bool) -> str:
    connection = db.session.connection()
    if is_postgres:  # the plan the indexes allow, whatever the table's size
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
    else:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(str(row) for row in rows)


def test_duplicate_checks_skip_old_payouts_without_a_digest(app, make_user,
                                                            is_postgres: bool) -> None:
    olga = make_user("olga", Role.OPERATOR)
    digest = recipient_digest("test_usd", "USD", FIELDS, Decimal("10.00"))
    insert_rows(payout_row(olga.id, status=PayoutStatus.PROCESSED.value,
                           created_at=NOW - timedelta(days=90 + i % 300))
                for i in range(OLD))
    insert_rows([payout_row(olga.id, recipient_digest=digest, created_at=NOW - timedelta(days=1)),
                 payout_row(olga.id, recipient_digest=digest)])
    if is_postgres:
        db.session.execute(db.text("ANALYZE payouts"))
        db.session.commit()
    recent = db.session.scalars(db.select(Payout).where(Payout.recipient_digest == digest)
                                .order_by(Payout.id)).all()

    with undigested_lookups() as lookups:
        found = possible_duplicates("test_usd", "USD", Decimal("10.00"), FIELDS)
        flags = duplicate_flags(recent)
        row = RowResult(row_number=1, values={}, amount=Decimal("10.00"), fields=FIELDS,
                        digest=digest)
        mark_recent_duplicates([row], "test_usd", "USD")

    assert [p.id for p in found] == [p.id for p in reversed(recent)]
    assert flags == {recent[0].id: [recent[1].id], recent[1].id: [recent[0].id]}
    assert not row.valid
    assert len(lookups) == 3
    for statement, parameters in lookups:
        plan = _plan(statement, parameters, is_postgres)
        if is_postgres:  # it chooses by its statistics; what it may not do is scan
            assert "Seq Scan" not in plan, plan
            assert "recipient_digest IS NULL" not in plan.partition("Index Cond")[2], plan
        else:
            # SQLite keeps no statistics: its rules must lead to the recent undigested rows
            # of one service, not to the NULL entries of the digest index (its use for the
            # digest itself is the first branch of an OR) nor every payout of the service.
            undigested_branch = plan.split("INDEX 2")[-1]
            assert "ix_payouts_undigested (service_code=? AND created_at>?)" in plan, plan
            assert "ix_payouts_recipient_digest" not in undigested_branch, plan
    db.session.rollback()
