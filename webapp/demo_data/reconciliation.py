"""The demo's reconciliation: the sandbox is changed behind the desk's back so that one run
finds a difference of every kind (an invoice made elsewhere, one the provider lost, a status,
an amount, a currency, a fee and a processed amount changed), then the run is made for the
demo's weeks. The oldest waiting payout is left alone: it is the one a demo manager approves."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, ReconciliationRun
from webapp.models.base import utcnow
from webapp.reconciliation import runner

DEMO_DAYS = 60


def _post(url: str, body: dict[str, object]) -> None:
    requests.post(url, json=body, timeout=30).raise_for_status()


def seed_reconciliation(sandbox_url: str) -> ReconciliationRun | None:
    """Set the sandbox up and run once; None when the desk has too few payouts for it."""
    def ids(status: PayoutStatus, newest_first: bool) -> list[Payout]:
        order = Payout.created_at.desc() if newest_first else Payout.created_at
        return list(db.session.scalars(select(Payout).where(
            Payout.status == status.value, Payout.provider_invoice_id.is_not(None))
            .order_by(order)))

    waiting, paid = ids(PayoutStatus.AWAITING_APPROVAL, True), ids(PayoutStatus.PROCESSED, True)
    if len(waiting) < 2 or len(paid) < 5:
        return None
    base = f"{sandbox_url}/_sandbox/invoices"
    _post(base, {"count": 2, "currency": "USD", "amount": "42.00", "status": "processed",
                 "reference_prefix": "other-system"})
    requests.delete(f"{base}/{paid[0].provider_invoice_id}", timeout=30).raise_for_status()
    _post(f"{base}/{waiting[0].provider_invoice_id}", {"status": "expired"})
    _post(f"{base}/{paid[1].provider_invoice_id}", {"amount": str(paid[1].amount + 1)})
    _post(f"{base}/{paid[2].provider_invoice_id}", {"currency": "GBP"})
    _post(f"{base}/{paid[3].provider_invoice_id}", {"fee": "2.50"})
    _post(f"{base}/{paid[4].provider_invoice_id}",
          {"processed_amount": str(paid[4].amount / 2)})
    end = runner.day_bounds(utcnow())[1]
    run = runner.create_run(end - timedelta(days=DEMO_DAYS), end, requested_by_id=None)
    return runner.execute(run.id)
