"""The demo desk comes with a reconciliation run that found a difference of every kind, and
leaves alone the waiting payout a demo manager approves first (the oldest)."""

from __future__ import annotations

from webapp.demo_data.accounts import ensure_demo_accounts
from webapp.demo_data.seed import seed_demo_data
from webapp.extensions import db
from webapp.models import DifferenceKind, Payout, ReconciliationDifference, ReconciliationRun


def test_the_demo_run_finds_every_kind(app, sandbox):
    ensure_demo_accounts()
    assert seed_demo_data(sandbox.url) is not None
    run = db.session.scalars(db.select(ReconciliationRun)).one()
    assert run.status == "done"
    kinds = set(db.session.scalars(db.select(ReconciliationDifference.kind).where(
        ReconciliationDifference.run_id == run.id)))
    assert kinds == {kind.value for kind in DifferenceKind}
    oldest = db.session.scalars(db.select(Payout).where(Payout.status == "awaiting_approval")
                                .order_by(Payout.created_at, Payout.id)).first()
    touched = set(db.session.scalars(db.select(ReconciliationDifference.payout_id)))
    assert oldest is not None and oldest.id not in touched
