"""The Alembic migrations build exactly the models' schema, and go down and up again, on
SQLite and on PostgreSQL (a scratch database beside the test one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import app_settings
from webapp import create_app
from webapp.extensions import db
from webapp.migrations_cli import enable as enable_migrations


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path) -> Iterator[str]:
    if not database_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade_matches_the_models(scratch_database_url, sandbox):
    app = create_app(app_settings(scratch_database_url, sandbox.url))
    enable_migrations(app)
    with app.app_context():
        upgrade()
        assert _schema_diff() == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _schema_diff() == []
        assert "payouts" in inspect(db.engine).get_table_names()
        db.engine.dispose()
