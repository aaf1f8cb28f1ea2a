"""`flask --app wsgi payouts sync|recover`: the background job's passes, by hand."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Payout
from webapp.models.status import FINAL_STATUSES, UNKNOWN_STATUSES, values
from webapp.payout_core.polling import run_sync_pass
from webapp.payout_core.recovery import recover_payout

payouts_cli = AppGroup("payouts", help="Synchronise payouts with the provider.")


@payouts_cli.command("sync")
@click.option("--all", "force", is_flag=True, help="Check every open payout, due or not.")
def sync_command(force: bool) -> None:
    """One polling pass over the payouts that are due for a check."""
    report = run_sync_pass(force=force)
    click.echo(f"checked {report.checked} payout(s), {report.changed} changed")


@payouts_cli.command("recover")
def recover_command() -> None:
    """Resolve every payout whose provider state is unknown (idempotent; safe to repeat)."""
    ids = db.session.scalars(
        select(Payout.id).where(Payout.status.not_in([s.value for s in FINAL_STATUSES]))
        .order_by(Payout.id)
    ).all()
    for payout_id in ids:
        recover_payout(payout_id)
    unresolved = db.session.scalar(
        select(db.func.count(Payout.id)).where(
            Payout.status.in_(values(UNKNOWN_STATUSES)))
    )
    click.echo(f"recovered {len(ids)} open payout(s); {unresolved} still unknown")
