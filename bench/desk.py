"""A fresh small desk database for the items that create payouts (overhead, callbacks) and for
form building and footprint: SQLite under bench/results/ as shipped (rollback journal), SQLite
in WAL mode (what the commit cost would be with it), and PostgreSQL (database `bench_desk`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import event

from bench.env import RESULTS, BenchClient, build_app, create_schema, ensure_users, login
from webapp.extensions import db


@dataclass
class Desk:
    label: str
    app: Flask
    sandbox_url: str
    operator: BenchClient
    database_url: str


def _wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # as durable as the default journal
    cursor.close()


def fresh_desk(sandbox_url: str, name: str = "desk", *, database_url: str | None = None,
               wal: bool = False, label: str = "sqlite") -> Desk:
    RESULTS.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        path = RESULTS / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    app = build_app(database_url, sandbox_url)
    if wal:
        with app.app_context():
            event.listen(db.engine, "connect", _wal)
    create_schema(app)
    ensure_users(app)
    return Desk(label, app, sandbox_url, login(app, "bench_operator"), database_url)
