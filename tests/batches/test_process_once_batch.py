"""A batch of ten rows against a provider that keeps each invoice `created` for five minutes
after a 2xx to process: exactly one process call per row's invoice, however often the job,
the resume pass and the sync pass run again, and the pages say "processing"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.batches.conftest import accounts
from webapp.batches.approval import approve_batch, fingerprint_of
from webapp.batches.jobs import resume_batches, run_batch
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.polling import run_sync_pass
from webapp.sandbox import SandboxServer

S = PayoutStatus
HTMX = {"HX-Request": "true"}


@pytest.fixture
def held(app: Flask, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    sandbox.state.hold_created_seconds = 300
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    yield
    sandbox.state.hold_created_seconds = 0


def test_ten_held_rows_get_one_process_call_each(app, held, make_user, make_batch,
                                                 client_for, sandbox):
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(10))
    assert approve_batch(batch.id, make_user("max", Role.MANAGER),
                         fingerprint_of(batch)).fully_approved
    run_batch(batch.id)
    for _ in range(2):
        resume_batches()
        run_batch(batch.id)
        run_sync_pass(force=True)
        result = app.test_cli_runner().invoke(args=["payouts", "recover"])
        assert result.exit_code == 0, result.output
    payouts = list(db.session.scalars(db.select(Payout).where(Payout.batch_id == batch.id)))
    assert len(payouts) == 10
    requests = sandbox.state.provider_totals()["process_requests"]
    assert [requests.get(p.provider_invoice_id, 0) for p in payouts] == [1] * 10
    assert sandbox.state.provider_totals()["invoices"] == 10
    db.session.expire_all()
    assert {db.session.get(Payout, p.id).status for p in payouts} == {S.PROCESSING}
    client = client_for("olga")
    progress = client.get(f"/batches/{batch.id}/progress", headers=HTMX).get_data(as_text=True)
    assert 'data-count="done">10<' in progress
    page = client.get(f"/payouts/{payouts[0].id}").get_data(as_text=True)
    assert 'data-status="processing"' in page
