"""The queue, the dashboard and the duplicate checks stay index look-ups at scale, on SQLite
(the embedded default, which keeps no statistics unless someone runs ANALYZE) and PostgreSQL.

Found on SQLite with 100,000 payouts: the duplicate checks answered `recipient_digest IS NULL`
from the digest index, reading every payout older than the digest migration (32 ms per check),
and with that index partial read every payout of the service (8 ms); the approvals queue's
duplicate flags scanned the whole table once statistics existed (40 ms); the per-currency
totals of the queue and of "waiting for you" (every manager page's header) walked the whole
table in currency order (110-150 ms).

Each check runs for real; the statements it sent are explained as the database would run them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func

from tests.tracking.listing_data import NOW, insert_rows, payout_row
from webapp.approvals.queue import QueueFilters, totals, waiting_payouts
from webapp.batches.duplicates import mark_recent_duplicates
from webapp.batches.validation import RowResult
from webapp.extensions import db
from webapp.main.dashboard import (
    MY_TO_FIX,
    awaiting_my_approval,
    my_payouts_to_fix,
    needing_attention,
    payouts_i_can_fix,
)
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.duplicates import duplicate_flags, possible_duplicates
from webapp.payout_core.recipient_digest import recipient_digest

OLD = 4000  # payouts of the same service, older than every window, without a digest
FIELDS = {"account": "4242"}
OTHERS = 30_000  # payouts in other statuses beside the queue


@contextmanager
def selects_sent() -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of every SELECT sent inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def looks_for_undigested(statement: str) -> bool:
    return re.search(r"recipient_digest IS NULL\)? AND", statement) is not None


@pytest.fixture(autouse=True)
def _no_statistics(app, is_postgres: bool) -> Iterator[None]:
    """SQLite's statistics live in its database file, which the session's tests share: each
    test here starts without them (as a desk that never ran ANALYZE) and leaves none."""

    def forget() -> None:
        if not is_postgres:
            db.session.execute(db.text("DROP TABLE IF EXISTS sqlite_stat1"))
            db.session.commit()
            db.engine.dispose()  # connections read statistics when they open

    forget()
    yield
    db.session.rollback()
    forget()


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

    with selects_sent() as sent:
        found = possible_duplicates("test_usd", "USD", Decimal("10.00"), FIELDS)
        flags = duplicate_flags(recent)
        row = RowResult(row_number=1, values={}, amount=Decimal("10.00"), fields=FIELDS,
                        digest=digest)
        mark_recent_duplicates([row], "test_usd", "USD")

    assert [p.id for p in found] == [p.id for p in reversed(recent)]
    assert flags == {recent[0].id: [recent[1].id], recent[1].id: [recent[0].id]}
    assert not row.valid
    lookups = [(statement, parameters) for statement, parameters in sent
               if looks_for_undigested(statement)]
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


def test_queue_totals_flags_and_header_count_read_what_waits(app, make_user,
                                                            is_postgres: bool) -> None:
    """30,000 payouts in every other status and 300 waiting ones: the queue's page, its totals,
    its duplicate flags and a manager's "waiting for you" count read the waiting rows, with
    and without statistics (SQLite's plans changed for the worse once ANALYZE had run)."""
    olga = make_user("olga", Role.OPERATOR)
    manager = make_user("max", Role.MANAGER)
    services, currencies = ["svc_a", "svc_b", "svc_c", "svc_d"], ["USD", "EUR", "UAH"]
    done = [s.value for s in PayoutStatus if s != PayoutStatus.AWAITING_APPROVAL]
    insert_rows(payout_row(olga.id, status=done[i % len(done)], service_code=services[i % 4],
                           currency=currencies[i % 3], amount=Decimal(i % 500 + 1),
                           created_at=NOW - timedelta(days=40 + i % 200))
                for i in range(OTHERS))
    waiting = [payout_row(olga.id, service_code=services[i % 4], currency=currencies[i % 3],
                          amount=Decimal(i % 50 + 1) + Decimal("0.25"),
                          created_at=NOW - timedelta(minutes=i),
                          recipient_digest=f"{i:064x}" if i != 299 else f"{0:064x}")
               for i in range(300)]
    insert_rows(waiting)
    expected = defaultdict(lambda: [0, Decimal(0)])
    for row in waiting:
        expected[row["currency"]][0] += 1
        expected[row["currency"]][1] += row["amount"]

    for statistics in (False, True):
        if statistics:
            db.session.execute(db.text("ANALYZE payouts" if is_postgres else "ANALYZE"))
            db.session.commit()
        with selects_sent() as sent:
            page = waiting_payouts(QueueFilters())
            queue_totals = totals(QueueFilters())
            flags = duplicate_flags(page)
            header = awaiting_my_approval(manager)

        assert len(page) == 200
        for shown in (queue_totals, header):
            assert {t.currency: [t.count, t.total] for t in shown} == expected
        first, twin = page[0].id, db.session.scalar(
            db.select(Payout.id).where(Payout.recipient_digest == f"{0:064x}",
                                       Payout.id != page[0].id))
        assert flags == {first: [twin]}
        for statement, parameters in sent:
            plan = _plan(statement, parameters, is_postgres)
            if is_postgres:
                assert "Seq Scan on payouts" not in plan, (statistics, statement, plan)
            else:
                assert "SCAN payouts" not in plan, (statistics, statement, plan)
                if "recipient_digest IN" in statement:  # earlier payouts: the index alone
                    assert "COVERING INDEX ix_payouts_recipient_digest" in plan, plan
        db.session.rollback()


def test_an_operators_counts_and_lists_read_their_own_payouts(app, make_user,
                                                              is_postgres: bool) -> None:
    """Three operators with 10,000 payouts each, in every status: "to fix" (the header's number
    on every page an operator opens), the payouts they can fix and those needing attention
    read the operator's payouts in those statuses, not every payout in them (SQLite: 49 ms
    per header count at 100,000) nor every payout of the operator."""
    operators = [make_user(name, Role.OPERATOR) for name in ("olga", "ivan", "petro")]
    statuses = [s.value for s in PayoutStatus]
    insert_rows(payout_row(operators[i % 3].id, status=statuses[i % len(statuses)],
                           updated_at=NOW - timedelta(minutes=i))
                for i in range(OTHERS))
    olga = operators[0]
    mine = db.session.execute(db.select(Payout.status, func.count()).where(
        Payout.created_by_id == olga.id).group_by(Payout.status)).all()
    expected = {status: count for status, count in mine
                if status in {s.value for s in MY_TO_FIX}}

    for statistics in (False, True):
        if statistics:
            db.session.execute(db.text("ANALYZE payouts" if is_postgres else "ANALYZE"))
            db.session.commit()
        with selects_sent() as sent:
            to_fix = my_payouts_to_fix(olga)
            fixable = payouts_i_can_fix(olga)
            attention = needing_attention(olga)

        assert to_fix == expected
        assert fixable and {p.created_by_id for p in fixable} == {olga.id}
        assert [p.updated_at for p in fixable] == sorted((p.updated_at for p in fixable),
                                                         reverse=True)
        assert attention and {p.created_by_id for p in attention} == {olga.id}
        payout_reads = [(statement, parameters) for statement, parameters in sent
                        if "FROM payouts" in statement]
        assert len(payout_reads) == 3
        for statement, parameters in payout_reads:
            plan = _plan(statement, parameters, is_postgres)
            if is_postgres:
                assert "Seq Scan on payouts" not in plan, (statistics, statement, plan)
            else:
                assert "(created_by_id=? AND status=?)" in plan, (statistics, statement, plan)
        db.session.rollback()
