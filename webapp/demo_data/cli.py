"""`flask --app wsgi demo …`: set the demo desk up, print a demo account's current code.

Both refuse outside demo mode: a production desk has no shared demo passwords and its second
factor lives on its people's phones, never in a command's output.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from webapp import migrations_cli
from webapp.auth.services import find_user
from webapp.demo_data.accounts import current_code, ensure_demo_accounts
from webapp.demo_data.seed import seed_demo_data

demo = AppGroup("demo", help="Demo mode only: demo accounts, demo data, second-factor codes.")


def _demo_mode_only() -> None:
    mode = current_app.config.get("APP_MODE")
    if mode != "demo":
        raise click.ClickException(
            f"The demo commands work only in demo mode (APP_MODE=demo); this app runs in {mode}.")


@demo.command("setup")
@click.option("--no-data", is_flag=True, help="Accounts only, no demo payouts.")
def setup(no_data: bool) -> None:
    """Migrate, create the demo accounts (second factor enrolled) and, once, the demo data."""
    _demo_mode_only()
    migrations_cli.enable(current_app)
    from flask_migrate import upgrade  # Alembic loads only for this command (migrations_cli)

    upgrade()
    keys = ensure_demo_accounts()
    if not no_data:
        report = seed_demo_data(str(current_app.config["PAYMEGA_API_URL"]))
        if report is None:
            click.echo("Demo data: already there, nothing added.")
        else:
            states = ", ".join(f"{n} {s}" for s, n in sorted(report.by_status.items()))
            click.echo(f"Demo data: {report.payouts} payouts ({states}), "
                       f"{report.batches} batches.")
    for username, secret in keys.items():
        click.echo(f"second-factor-key {username} {secret}")


@demo.command("code")
@click.argument("username")
def code(username: str) -> None:
    """Print USERNAME's current sign-in code (a demo manager or admin)."""
    _demo_mode_only()
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    try:
        value, seconds = current_code(user)
    except LookupError:
        raise click.ClickException(f"{user.username} has no second factor enrolled.") from None
    click.echo(value)
    click.echo(f"(usable for about {seconds} more seconds)", err=True)
