"""SQLite runs in WAL mode with the commit sync the settings ask for (NORMAL unless FULL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.test_config import PRODUCTION
from webapp import create_app
from webapp.config import ConfigError
from webapp.extensions import db

SYNC_LEVELS = {"NORMAL": 1, "FULL": 2}


@pytest.mark.parametrize("level", ["NORMAL", "FULL", None])
def test_sqlite_runs_in_wal_mode_with_the_chosen_sync(tmp_path, monkeypatch, level) -> None:
    monkeypatch.delenv("SQLITE_SYNCHRONOUS", raising=False)
    settings = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}"}
    if level is not None:
        settings["SQLITE_SYNCHRONOUS"] = level.lower()
    app = create_app(settings)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA synchronous")) == SYNC_LEVELS[level or "NORMAL"]
        assert connection.scalar(text("PRAGMA busy_timeout")) >= 5000


def test_an_unknown_sync_level_is_named(tmp_path) -> None:
    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS"):
        create_app({**PRODUCTION, "SQLITE_SYNCHRONOUS": "OFF"})


def test_the_environment_sets_the_level(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "full")
    for name in PRODUCTION:
        monkeypatch.setenv(name, PRODUCTION[name])
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app = create_app()
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(text("PRAGMA synchronous")) == SYNC_LEVELS["FULL"]
