"""Item 3: page latency with 100,000 payouts, on SQLite and PostgreSQL (Flask test client, so
no network noise), with the number of SQL statements per request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bench.common import QueryCounter, Row, sample, timed_row, verdict
from bench.env import BenchClient, login
from bench.seed import ensure_seeded
from webapp.extensions import db
from webapp.models import Payout
from webapp.payout_core.duplicates import possible_duplicates
from webapp.payouts.listing import Cursor

LIST_P99_TARGET_MS = 50.0
HX = {"HX-Request": "true"}


def deep_cursor(app: Flask, count: int) -> str:
    """The cursor of the row 90% of the way down the list (page ~1,800 of 2,000)."""
    with app.app_context():
        row = db.session.execute(
            db.select(Payout.created_at, Payout.id)
            .order_by(Payout.created_at.desc(), Payout.id.desc()).offset(int(count * 0.9))
        ).first()
        assert row is not None
        return Cursor(row[0], row[1]).encode()


def _get(client: BenchClient, path: str, headers: dict[str, str] | None = None) -> Any:
    answer = client.get(path, headers=headers or {})
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}")
    return answer


def measure(app: Flask, client: BenchClient, path: str, n: int,
            headers: dict[str, str] | None = None) -> tuple[Any, float, str]:
    """Samples of GET `path`, the mean number of SQL statements per request, and a note on
    the slowest statement."""
    with app.app_context():
        counter = QueryCounter(db.engine)
    counts: list[int] = []

    def run() -> None:
        with counter.measuring() as box:
            _get(client, path, headers)
        counts.extend(box)

    try:
        samples = sample(run, n, warmup=3, budget_s=20.0)
    finally:
        counter.close()
    timed = counts[3:] or counts
    slowest = counter.slowest()
    note = f"slowest SQL {slowest[1]:.1f} ms: {slowest[0]}" if slowest else ""
    return samples, sum(timed) / len(timed), note


def run_pages(app: Flask, label: str, count: int, n: int, reseed: bool) -> list[Row]:
    info = ensure_seeded(app, count, force=reseed)
    section = f"3 pages/{label}"
    rows: list[Row] = []
    if info["seeded_now"]:
        rows.append(Row(section, f"seed {count:,} payouts", result=f"{info['seed_seconds']} s",
                        note="bulk INSERT in chunks of 5,000, then ANALYZE"))
    auditor = login(app, "bench_auditor")
    cursor = deep_cursor(app, count)
    pages = [
        ("/payouts first page (full)", "/payouts/", None, True),
        ("/payouts first page (htmx fragment)", "/payouts/", HX, True),
        ("/payouts filtered (status+currency+service)",
         "/payouts/?status=failed&currency=EUR&service=bench_service_03", None, True),
        ("/payouts deep page (90% down, keyset)", f"/payouts/?after={cursor}", None, True),
        ("/payouts/<id>", f"/payouts/{info['middle_id']}", None, False),
    ]
    for name, path, headers, is_list in pages:
        samples, queries, note = measure(app, auditor, path, n, headers)
        extra: dict[str, Any] = {"note": note if label == "postgres" else ""}
        if is_list:
            extra |= {"target": f"p99 <= {LIST_P99_TARGET_MS:.0f} ms",
                     "verdict": verdict(samples.p99 <= LIST_P99_TARGET_MS)}
        rows.append(timed_row(section, name, samples, round(queries, 1), **extra))
    try:
        manager = login(app, "bench_manager")
        _get(manager, "/approvals/")
    except RuntimeError as exc:
        rows.append(Row(section, "/approvals", note=f"not measured: {exc}"))
    else:
        rows += _role_pages(app, manager, section, label, n, (
            ("/approvals (queue of ~2,000 waiting)", "/approvals/"),
            ("/ (dashboard, manager)", "/"),
            ("/nav-counts (manager; every page asks after loading)", "/nav-counts")))
    operator = login(app, "bench_operator")  # 33,000 of the payouts are theirs
    rows += _role_pages(app, operator, section, label, n, (
        ("/ (dashboard, operator)", "/"),
        ("/nav-counts (operator; every page asks after loading)", "/nav-counts")))
    rows.append(_duplicate_check_beside_undigested(app, section, n))
    return rows


def _role_pages(app: Flask, client: BenchClient, section: str, label: str, n: int,
                pages: tuple[tuple[str, str], ...]) -> list[Row]:
    """A row per (name, path) as `client` sees it, with the slowest SQL on PostgreSQL."""
    rows = []
    for name, path in pages:
        samples, queries, note = measure(app, client, path, n)
        rows.append(timed_row(section, name, samples, round(queries, 1),
                              note=note if label == "postgres" else ""))
    return rows


def _duplicate_check_beside_undigested(app: Flask, section: str, n: int) -> Row:
    """The duplicate check of one create in a desk whose older payouts have no recipient digest
    (as the digest migration leaves them, and as bench/seed.py stores them)."""
    with app.app_context():
        undigested = db.session.scalar(select(func.count(Payout.id))
                                       .where(Payout.recipient_digest.is_(None)))
        samples = sample(lambda: possible_duplicates(
            "bench_service_00", "USD", Decimal("12.34"), {"account": "1234"}), n)
        db.session.rollback()
    return timed_row(section, "duplicate check of a create (payout_core.duplicates)", samples,
                     1, note=f"{undigested:,} payouts without a recipient digest, as after the "
                             "digest migration; 5,000 payouts of the service")
