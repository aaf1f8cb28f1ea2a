"""GET never writes, and work done outside a request still tells the provider where to call back.

The batch pages used to fold late provider failures into the rows while rendering; now the
worker does that. Every statement the database receives while a GET is served is watched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from tests.batches.conftest import accounts
from webapp.batches.approval import approve_batch, fingerprint_of
from webapp.batches.jobs import run_batch
from webapp.extensions import db
from webapp.models import Batch, BatchRow, BatchStatus, Payout, PayoutStatus, Role, RowState

B = BatchStatus
S = PayoutStatus
HTMX = {"HX-Request": "true"}
MONEY_TABLES = ("payouts", "payout_events", "batches", "batch_rows", "payout_approvals")


@pytest.fixture
def writes(app: Flask) -> Iterator[list[str]]:
    """Every INSERT/UPDATE/DELETE on a money table while the fixture is active."""
    seen: list[str] = []

    def watch(_conn, _cursor, statement: str, *_args) -> None:
        head = statement.lstrip().split(None, 1)[0].upper()
        if head in {"INSERT", "UPDATE", "DELETE"} and any(
                t in statement for t in MONEY_TABLES):
            seen.append(statement.split("\n")[0][:120])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    yield seen
    event.remove(engine, "before_cursor_execute", watch)


def _finished_batch_with_a_late_failure(make_user, make_batch) -> Batch:
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    assert approve_batch(batch.id, make_user("max", Role.MANAGER),
                         fingerprint_of(batch)).fully_approved
    assert run_batch(batch.id) == B.DONE
    # The provider failed one payout after the job (a callback or poll recorded it).
    payout_id = db.session.scalar(db.select(Payout.id).where(Payout.batch_id == batch.id)
                                  .order_by(Payout.id).limit(1))
    db.session.execute(db.update(Payout).where(Payout.id == payout_id)
                       .values(status=S.FAILED.value))
    db.session.commit()
    return batch


def test_the_batch_pages_write_nothing(app, make_user, make_batch, client_for, sandbox,
                                       writes):
    batch = _finished_batch_with_a_late_failure(make_user, make_batch)
    client = client_for("olga")
    writes.clear()
    for url, headers in ((f"/batches/{batch.id}", {}), (f"/batches/{batch.id}", HTMX),
                         (f"/batches/{batch.id}/progress", {}),
                         (f"/batches/{batch.id}/progress", HTMX),
                         (f"/batches/{batch.id}/rows", {})):
        assert client.get(url, headers=headers).status_code == 200
    assert writes == []
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == B.DONE  # the worker folds it in, not GET
    states = db.session.scalars(db.select(BatchRow.state).filter_by(batch_id=batch.id))
    assert set(states) == {RowState.SENT}


def test_the_worker_folds_late_failures_into_the_batch(app, make_user, make_batch, sandbox):
    from webapp.batches.jobs import resume_batches

    batch = _finished_batch_with_a_late_failure(make_user, make_batch)
    resume_batches()
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == B.DONE_WITH_FAILURES
    states = sorted(db.session.scalars(db.select(BatchRow.state).filter_by(batch_id=batch.id)))
    assert states == [RowState.FAILED, RowState.SENT]


def test_payout_pages_write_nothing(app, make_user, make_payout, client_for, sandbox, writes):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    client = client_for("olga")
    writes.clear()
    for url in (f"/payouts/{payout.id}", f"/payouts/{payout.id}/status", "/payouts/", "/"):
        assert client.get(url).status_code == 200
    assert writes == []


def test_every_invoice_carries_the_configured_callback_url(app, make_user, make_batch,
                                                           make_payout, sandbox, monkeypatch):
    url = "https://desk.example.test/callbacks/paymega"
    monkeypatch.setitem(app.config, "PAYMEGA_CALLBACK_URL", url)
    batch = make_batch(make_user("olga", Role.OPERATOR), accounts(2))
    approve_batch(batch.id, make_user("max", Role.MANAGER), fingerprint_of(batch))
    run_batch(batch.id)  # outside any request, as the worker runs it
    sandbox.state.inject("create", "500_after")  # the answer is lost: recovery adopts it
    make_payout(db.session.get(Batch, batch.id).created_by)
    invoices = sandbox.state.newest_first()
    assert len(invoices) == 3
    assert {i.callback_url for i in invoices} == {url}
