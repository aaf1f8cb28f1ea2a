"""Batch lines (webapp/batches, when present): validating 10,000 rows with `validate_rows`,
and working through an approved 1,000-row batch against the sandbox with `run_batch`.

The job normally paces itself (BATCH_RATE_PER_SECOND, 10 rows/s by default, to spare the
provider); here the pace is lifted so the line shows what the desk itself can do, and the
row notes the paced time. Approval is set directly: its rules are not what is measured.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from bench.common import QueryCounter, Row
from bench.desk import fresh_desk
from webapp.extensions import db

SECTION = "7 batches"


def _rows(count: int) -> list[dict[str, str]]:
    return [{"account": str(1_000_000 + i), "amount": "10.00",
             "customer_name": f"Recipient {i}", "description": f"bench row {i}"}
            for i in range(count)]


def run_batches(sandbox_url: str, quick: bool, database_url: str | None = None,
                label: str = "sqlite") -> list[Row]:
    """On `database_url` (PostgreSQL when the run has it: a batch writes ~8 commits per row,
    which SQLite's rollback journal makes the whole story)."""
    try:
        from webapp.batches.jobs import DEFAULT_RATE, run_batch
        from webapp.batches.services import create_batch
        from webapp.batches.validation import validate_rows
        from webapp.models import Batch, BatchStatus, User
    except ImportError as exc:
        return [Row(SECTION, "batch lines", note=f"not measured: webapp/batches is not there "
                    f"yet ({exc})")]
    from webapp.payout_core.gateway import provider_client

    desk = fresh_desk(sandbox_url, "batches", database_url=database_url, label=label)
    app = desk.app
    app.config["BATCH_RATE_PER_SECOND"] = 0  # unpaced: the desk's own cost
    validate_count = 2_000 if quick else 10_000
    process_count = 200 if quick else 1_000
    rows: list[Row] = []
    with app.test_request_context(base_url="https://localhost"):
        service = provider_client().prerequest("USD", Decimal("10.00")).service("test_usd")
        assert service is not None
        data = _rows(validate_count)
        validate_rows(service, data[:50], "en")  # warm-up
        started = time.perf_counter()
        report = validate_rows(service, data, "en")
        seconds = time.perf_counter() - started
        rows.append(_row(f"validate {validate_count:,} batch rows", seconds, validate_count,
                         {"valid": len(report.valid_rows)}))
        creator = db.session.scalar(db.select(User).filter_by(username="bench_operator"))
        manager = db.session.scalar(db.select(User).filter_by(username="bench_manager"))
        small = validate_rows(service, data[:process_count], "en")
        batch = create_batch(creator, service, "USD", "bench.csv", small, "en")
        batch.status = BatchStatus.APPROVED.value
        batch.approved_by_id = manager.id
        db.session.commit()
        batch_id = batch.id
        counter = QueryCounter(db.engine)
        started = time.perf_counter()
        try:
            status = run_batch(batch_id)
        finally:
            counter.close()
        seconds = time.perf_counter() - started
        final = db.session.get(Batch, batch_id, populate_existing=True)
        rate = process_count / seconds
        limit = ("so the pace, not the desk, sets the time" if rate > DEFAULT_RATE else
                 "and the desk itself is slower than that pace here")
        rows.append(_row(
            f"process a {process_count:,}-row batch against the sandbox ({label})", seconds,
            process_count, {"status": status, "final": final.status if final else None},
            queries=round(counter.count / process_count, 1),
            note=f"status {status}; unpaced; at the default pace of {DEFAULT_RATE:.0f} rows/s "
                 f"it takes {process_count / DEFAULT_RATE:.0f} s, {limit}"))
    return rows


def _row(name: str, seconds: float, count: int, values: dict[str, Any], note: str = "",
         queries: float | None = None) -> Row:
    return Row(SECTION, name, round(seconds * 1000 / count, 3), None, count, queries,
               result=f"{seconds:.2f} s, {count / seconds:.0f} rows/s",
               values={"seconds": round(seconds, 3), **values}, note=note)
