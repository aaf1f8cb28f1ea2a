"""100,000 payouts written with bulk INSERTs (SQLAlchemy core, in chunks), once per database.

Rows are spread over about a year, oldest first, across currencies, services, creators and
statuses, with a small queue waiting for approval. A re-run reuses a database that already
holds exactly the wanted number (`--reseed` forces a fresh one).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, inspect, select

from bench.env import create_schema, ensure_users
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus

CHUNK = 5000
CURRENCIES = ("USD", "EUR", "GBP", "UAH", "KZT")
SERVICES = tuple(f"bench_service_{i:02d}" for i in range(20))
S = PayoutStatus
STATUS_WEIGHTS = ((S.PROCESSED, 70), (S.FAILED, 12), (S.REJECTED, 6), (S.PROCESSING, 3),
                  (S.AWAITING_APPROVAL, 2), (S.FAILED_TO_CREATE, 3),
                  (S.PARTIALLY_PROCESSED, 2), (S.APPROVED, 1), (S.CREATION_UNKNOWN, 1))
NOW = datetime(2026, 11, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
DIGEST_WINDOW_DAYS = 31  # what migration f26b1d0e4a52 filled


def _rows(count: int, creators: list[int]) -> Any:
    rng = random.Random(20261101)
    statuses = [s.value for s, _w in STATUS_WEIGHTS]
    weights = [w for _s, w in STATUS_WEIGHTS]
    start = NOW - STEP * count
    for i in range(count):
        service = SERVICES[i % len(SERVICES)]
        moment = start + STEP * i
        status = rng.choices(statuses, weights)[0]
        yield {
            "reference_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "status": status,
            "amount": Decimal(rng.randrange(100, 500000)) / 100,
            "currency": CURRENCIES[rng.randrange(len(CURRENCIES))],
            "service_code": service, "method_code": "bank_transfer",
            "service_snapshot": {"code": service, "method": "bank_transfer", "currency": "USD",
                                 "fields": [{"key": "account", "required": True}]},
            "fields_masked": {"account": f"•••• {rng.randrange(10000):04d}"},
            "fields_encrypted": "gAAAAAB" + uuid.UUID(int=rng.getrandbits(128)).hex * 3,
            "recipient_digest": _digest_as_migrated(rng, status, moment),
            "customer_name": f"Recipient {i % 5000}",
            "customer_email": f"recipient{i % 5000}@example.test",
            "created_by_id": creators[i % len(creators)],
            "created_at": moment, "updated_at": moment + timedelta(minutes=1),
            "provider_invoice_id": f"bench-inv-{i}",
            "attempts": 1, "version": 1, "process_requests": 0,
        }


def _digest_as_migrated(rng: random.Random, status: str, moment: datetime) -> str | None:
    """A recipient digest where migration f26b1d0e4a52 gives one (a payout of its window, or
    one still waiting for approval); the older payouts have none, as in a desk that ran it."""
    digest = uuid.UUID(int=rng.getrandbits(128)).hex * 2
    recent = moment >= NOW - timedelta(days=DIGEST_WINDOW_DAYS)
    return digest if recent or status == S.AWAITING_APPROVAL.value else None


def _seeded_as_migrated() -> bool:
    """Seeded by this version of `_rows`: no payout older than the window has a digest unless
    it waits for approval (older versions gave every payout one)."""
    return db.session.scalar(select(Payout.id).where(
        Payout.created_at < NOW - timedelta(days=DIGEST_WINDOW_DAYS),
        Payout.status != S.AWAITING_APPROVAL.value, Payout.recipient_digest.is_not(None))
        .limit(1)) is None


def schema_is_current() -> bool:
    """Every model table is there with exactly the model's columns and at least its indexes,
    on the model's columns (models change while the desk is being built; a stale database is
    rebuilt rather than half-used)."""
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            return False
        if {c["name"] for c in inspector.get_columns(table.name)} != set(table.columns.keys()):
            return False
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)}
        if any(indexes.get(i.name) != [c.name for c in i.columns] for i in table.indexes):
            return False
    return True


def ensure_seeded(app: Flask, count: int, force: bool = False) -> dict[str, Any]:
    """Returns what the page benchmarks need: user ids, a payout id, timings."""
    with app.app_context():
        dialect = db.engine.dialect.name
        existing = None
        if not force and schema_is_current():
            try:
                existing = db.session.scalar(select(func.count(Payout.id)))
                if not _seeded_as_migrated():
                    existing = None
            except Exception:
                db.session.rollback()
        seconds = 0.0
        if existing != count:
            db.session.remove()
            create_schema(app)
            users = ensure_users(app)
            creators = [users["bench_operator"], users["bench_operator2"], users["bench_manager"]]
            started = time.perf_counter()
            batch: list[dict[str, Any]] = []
            for row in _rows(count, creators):
                batch.append(row)
                if len(batch) == CHUNK:
                    db.session.execute(insert(Payout), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Payout), batch)
            db.session.commit()
            if dialect == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE payouts")
            else:
                with db.engine.begin() as c:
                    c.exec_driver_sql("ANALYZE")
            seconds = time.perf_counter() - started
        users = ensure_users(app)
        middle = db.session.scalar(select(Payout.id).order_by(Payout.id).offset(count // 2))
        return {"dialect": dialect, "users": users, "middle_id": middle,
                "seeded_now": existing != count, "seed_seconds": round(seconds, 1)}
