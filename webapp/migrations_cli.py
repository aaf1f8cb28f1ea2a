"""`flask db ...` (Flask-Migrate) without loading Alembic into every web worker.

Flask-Migrate imports Alembic (about 11 MB per process) as soon as it is imported, yet only the
`flask db` commands and the migration tests use it. The app registers a stand-in `db` command;
running it binds Flask-Migrate to the app and hands the arguments to Flask-Migrate's own group.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo

from webapp.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def enable(app: Flask) -> None:
    """Bind Flask-Migrate to `app` (for `flask_migrate.upgrade()` and friends)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS))


@click.command("db", context_settings={"ignore_unknown_options": True,
                                       "allow_extra_args": True, "help_option_names": []},
               help="Perform database migrations (Flask-Migrate).")
@click.pass_context
def db_command(ctx: click.Context) -> None:
    info = ctx.ensure_object(ScriptInfo)
    enable(info.load_app())
    from flask_migrate.cli import db as migrate_group

    migrate_group.main(args=list(ctx.args), prog_name=ctx.command_path, obj=info)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_command)
