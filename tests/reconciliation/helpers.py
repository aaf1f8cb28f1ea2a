"""Set the provider up behind the desk's back (over the sandbox's HTTP control endpoints) and
run a reconciliation for today."""

from __future__ import annotations

from typing import Any

import requests

from webapp.extensions import db
from webapp.models import ReconciliationDifference, ReconciliationRun
from webapp.models.base import utcnow
from webapp.reconciliation import runner


def outside(sandbox: Any, **body: Any) -> list[str]:
    answer = requests.post(f"{sandbox.url}/_sandbox/invoices", json=body, timeout=60)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]["ids"]


def change(sandbox: Any, invoice_id: str, **changes: Any) -> None:
    answer = requests.post(f"{sandbox.url}/_sandbox/invoices/{invoice_id}", json=changes,
                           timeout=5)
    assert answer.status_code == 200, answer.text


def forget(sandbox: Any, invoice_id: str) -> None:
    answer = requests.delete(f"{sandbox.url}/_sandbox/invoices/{invoice_id}", timeout=5)
    assert answer.status_code == 200, answer.text


def run_today() -> ReconciliationRun:
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    done = runner.execute(run.id)
    assert done is not None
    return done


def found(run: ReconciliationRun) -> list[tuple[str, str | None, str | None]]:
    rows = db.session.scalars(db.select(ReconciliationDifference).where(
        ReconciliationDifference.run_id == run.id).order_by(ReconciliationDifference.id))
    return [(d.kind, d.desk_value, d.provider_value) for d in rows]
