"""A fresh small desk database for the items that create payouts (overhead, callbacks) and for
form building and footprint: SQLite under bench/results/ as shipped (WAL, synchronous=NORMAL),
SQLite with SQLITE_SYNCHRONOUS=FULL (every commit synced), and PostgreSQL (`<bench db>_desk`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from bench.env import RESULTS, BenchClient, build_app, create_schema, ensure_users, login


@dataclass
class Desk:
    label: str
    app: Flask
    sandbox_url: str
    operator: BenchClient
    database_url: str
    operator_id: int


def fresh_desk(sandbox_url: str, name: str = "desk", *, database_url: str | None = None,
               full_sync: bool = False, label: str = "sqlite") -> Desk:
    RESULTS.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        path = RESULTS / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    app = build_app(database_url, sandbox_url,
                    **({"SQLITE_SYNCHRONOUS": "FULL"} if full_sync else {}))
    create_schema(app)
    users = ensure_users(app)
    return Desk(label, app, sandbox_url, login(app, "bench_operator"), database_url,
                users["bench_operator"])
