"""The task queue is set up from Config: where it lives, and inline mode per app."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from webapp import create_app, queue
from webapp.config import INSTANCE_DIR

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "APP_MODE": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "sqlite://",
    "PAYMEGA_API_URL": "https://api.example.test",
    "PAYMEGA_PUBLIC_KEY": "pk_live_x",
    "PAYMEGA_ACCOUNT_ID": "acc",
    "PAYMEGA_SECRET_KEY": "sk_live_x",
    "METRICS_TOKEN": "m" * 32,
    "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
}


@pytest.fixture(autouse=True)
def _no_queue_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("REDIS_URL", "TASK_QUEUE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_production_keeps_its_queue_outside_the_code_checkout(tmp_path: Path) -> None:
    path = Path(create_app(PRODUCTION).config["TASK_QUEUE_PATH"])
    assert path == tmp_path / "state" / "payouts-desk" / "huey.sqlite"
    assert ROOT not in path.parents


def test_the_queue_path_is_a_setting(tmp_path: Path) -> None:
    chosen = tmp_path / "queues" / "desk.sqlite"
    app = create_app({**PRODUCTION, "TASK_QUEUE_PATH": str(chosen)})
    assert app.config["TASK_QUEUE_PATH"] == str(chosen)
    assert app.config["TASKS_IMMEDIATE"] is False


def test_demo_keeps_its_queue_in_the_instance_folder() -> None:
    app = create_app({"APP_MODE": "demo"})
    assert Path(app.config["TASK_QUEUE_PATH"]) == INSTANCE_DIR / "huey.sqlite"


def test_inline_mode_belongs_to_the_app_not_the_process(app: Flask, tmp_path: Path) -> None:
    """A testing app runs jobs inline while a production app in the same process queues them."""
    production = create_app({**PRODUCTION, "TASK_QUEUE_PATH": str(tmp_path / "q.sqlite")})
    ran: list[int] = []
    probe = queue.job()(ran.append)
    try:
        with app.app_context():
            probe(1)
        with production.app_context():
            probe(2)
            assert queue.queued.pending_count() == 1
        assert ran == [1]
        assert not queue.queued.immediate and queue.inline.immediate
    finally:
        queue.queued.flush()
        queue.init_app(app)  # the shared queue points at the test app's settings again


@pytest.mark.parametrize(("setting", "pragma"), [("NORMAL", 1), ("FULL", 2)])
def test_the_queue_file_syncs_as_the_database_does(app: Flask, tmp_path: Path, setting: str,
                                                   pragma: int) -> None:
    """Without Redis the queue is a SQLite file, kept like the desk's own (WAL, synced at
    checkpoints unless SQLITE_SYNCHRONOUS=FULL): Huey's default synced every job queued."""
    create_app({**PRODUCTION, "TASK_QUEUE_PATH": str(tmp_path / "q.sqlite"),
                "SQLITE_SYNCHRONOUS": setting})
    try:
        connection = queue.queued.storage.conn
        assert connection.execute("pragma synchronous").fetchone()[0] == pragma
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
    finally:
        queue.queued.storage.close()
        queue.init_app(app)
