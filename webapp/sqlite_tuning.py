"""SQLite as the desk uses it: write-ahead log, and a commit that does not wait for the disk.

The create path's profile was mostly commits: in SQLite's default rollback-journal mode each
commit syncs the journal and the database (about 16 ms on the shared test machine; three of
them per payout). In WAL mode a commit appends to the log; with `synchronous=NORMAL` it is
written but synced only at checkpoints, which keeps every commit across a crash of the app or
of a worker (the log is in the file system) and loses only the newest commits if the machine
itself loses power. `SQLITE_SYNCHRONOUS=FULL` syncs every commit instead (about 4 ms each
here). PostgreSQL, the production database, is not touched by this module.

Readers no longer block the writer in WAL mode; writers still take turns, waiting up to
`busy_timeout` for each other.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from webapp.extensions import db

BUSY_TIMEOUT_MS = 15_000


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    synchronous = app.config.get("SQLITE_SYNCHRONOUS", "NORMAL")

    def tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size=-256")
        cursor.close()

    with app.app_context():
        event.listen(db.engine, "connect", tune)
