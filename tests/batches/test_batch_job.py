"""The approved batch's job against the sandbox over HTTP: every row an ordinary payout, the
single-payout fault rules row by row, retries that never pay twice, a killed worker resumed
without a duplicate invoice, and the progress fragment."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from tests.batches.conftest import accounts
from webapp.batches.approval import approve_batch, fingerprint_of
from webapp.batches.jobs import RateLimiter, resume_batches, run_batch
from webapp.extensions import db
from webapp.models import Batch, BatchRow, BatchStatus, Payout, PayoutStatus, Role, RowState
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import invoice_request_for

B = BatchStatus
S = PayoutStatus
HTMX = {"HX-Request": "true"}


class Killed(Exception):
    """Plays the worker process dying at a given step."""


def _approved(make_user, make_batch, rows) -> Batch:
    batch = make_batch(make_user("olga", Role.OPERATOR), rows)
    assert approve_batch(batch.id, make_user("max", Role.MANAGER),
                         fingerprint_of(batch)).fully_approved
    return batch


def _rows(batch: Batch) -> list[BatchRow]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(BatchRow).filter_by(batch_id=batch.id)
                                   .order_by(BatchRow.row_number)))


def _no_duplicates(sandbox) -> list[Payout]:
    """One invoice per reference at the provider, at most one accepted process per invoice."""
    payouts = list(db.session.scalars(db.select(Payout)))
    stored = sandbox.state.counters["invoices_stored"]
    assert all(stored[p.reference_id] == 1 for p in payouts if p.provider_invoice_id)
    assert set(stored.values()) <= {1}
    assert set(sandbox.state.counters["process_accepted"].values()) <= {1}
    return payouts


def test_each_row_becomes_an_ordinary_payout(app, make_user, make_batch, sandbox):
    batch = _approved(make_user, make_batch, accounts(3))
    assert run_batch(batch.id) == B.DONE
    rows = _rows(batch)
    assert [r.state for r in rows] == [RowState.SENT] * 3
    payouts = _no_duplicates(sandbox)
    assert sorted(p.submission_token for p in payouts) == [
        f"batch:{batch.id}:{n}" for n in (2, 3, 4)]
    by_id = {p.id: p for p in payouts}
    for row in rows:
        payout = by_id[row.payout_id]
        assert payout.batch_id == batch.id and payout.amount == row.amount
        assert payout.fields_masked == row.fields_masked
        assert payout.customer_name == row.customer_name
        assert payout.created_by_id == batch.created_by_id
        assert payout.approved_by_id == batch.approved_by_id
        assert payout.status in {S.PROCESSING, S.PROCESSED}
    assert run_batch(batch.id) == "busy"  # finished: nothing to claim


def test_partial_failures_follow_the_single_payout_rules_then_retry(
        app, make_user, make_batch, client_for, sandbox, monkeypatch):
    faults = {("stored", 2): ("create", "422"), ("stored", 3): ("create", "500_after"),
              ("stored", 4): ("create", "500_before"), ("created", 5): ("process", "403"),
              ("created", 6): ("process", "500_after")}

    def inject(stage: str, row_number: int) -> None:
        fault = faults.get((stage, row_number))
        if fault:
            sandbox.state.inject(*fault)

    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", inject)
    batch = _approved(make_user, make_batch, accounts(6))
    assert run_batch(batch.id) == B.DONE_WITH_FAILURES
    rows = _rows(batch)
    assert [r.state for r in rows] == [RowState.FAILED, RowState.SENT, RowState.SENT,
                                       RowState.FAILED, RowState.SENT, RowState.SENT]
    assert rows[0].failure["http_status"] == 422 and rows[3].failure["http_status"] == 403
    assert rows[0].failure["kind"] == "ValidationFailed" and rows[3].failure["kind"] == "Forbidden"
    assert rows[0].payout.status == S.FAILED_TO_CREATE
    assert rows[3].payout.status == S.AWAITING_APPROVAL  # still created at the provider
    _no_duplicates(sandbox)

    failed = client_for("olga").get(f"/batches/{batch.id}/failed.csv").get_data()
    lines = list(csv.reader(io.StringIO(failed.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["2", "5"] and lines[0][1] == "error"

    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", None)
    first_of_row5 = rows[3].payout_id
    answer = client_for("olga").post(f"/batches/{batch.id}/retry")
    assert answer.status_code == 303
    # The retry waits for a fresh approval of the retried rows (the uploader cannot give it).
    waiting = db.session.get(Batch, batch.id, populate_existing=True)
    assert waiting.status == B.AWAITING_APPROVAL and waiting.retried_by_id is not None
    assert [r.state for r in _rows(batch)].count(RowState.PENDING) == 2
    assert client_for("olga").post(f"/batches/{batch.id}/approve", data={
        "fingerprint": fingerprint_of(waiting)}).status_code == 403
    approved = client_for("max").post(f"/batches/{batch.id}/approve",
                                      data={"fingerprint": fingerprint_of(waiting)})
    assert approved.status_code == 303
    rows = _rows(batch)
    assert [r.state for r in rows] == [RowState.SENT] * 6
    assert rows[0].attempt == 1 and rows[0].payout.submission_token.endswith(":2:retry1")
    assert rows[3].payout_id == first_of_row5  # re-approved, not created again
    assert db.session.get(Batch, batch.id).status == B.DONE
    payouts = _no_duplicates(sandbox)
    assert len(payouts) == 7  # the refused create stays on record, with its batch
    assert Counter(p.status for p in payouts)[S.FAILED_TO_CREATE] == 1
    assert {p.batch_id for p in payouts} == {batch.id}


def _interrupted_create(stage: str, row_number: int) -> None:
    """The provider stored the invoice, then the worker died before it wrote the answer."""
    if (stage, row_number) == ("stored", 3):
        payout = db.session.scalar(db.select(Payout).where(
            Payout.submission_token.like("batch:%:3")))
        payout.attempts += 1
        db.session.commit()
        provider_client().create_invoice(invoice_request_for(payout, None))
        raise Killed


def _killer(at_stage: str):
    def hook(stage: str, row_number: int) -> None:
        if (stage, row_number) == (at_stage, 3):
            raise Killed

    return hook


@pytest.mark.parametrize("hook", [_killer("stored"), _killer("created"), _killer("approved"),
                                  _interrupted_create],
                         ids=["after-store", "after-create", "after-approve", "mid-create"])
def test_a_killed_worker_resumes_without_duplicates(app, make_user, make_batch, sandbox,
                                                    monkeypatch, hook):
    monkeypatch.setitem(app.config, "BATCH_LEASE_SECONDS", 0)
    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", hook)
    batch = _approved(make_user, make_batch, accounts(4))
    with pytest.raises(Killed):
        run_batch(batch.id)
    db.session.rollback()
    assert db.session.get(Batch, batch.id, populate_existing=True).status == B.RUNNING
    assert [r.state for r in _rows(batch)][:1] == [RowState.SENT]

    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", None)
    # The restarted worker comes after the grace period: a request the dead one may have
    # sent cannot still be running.
    monkeypatch.setitem(app.config, "RECOVERY_GRACE_SECONDS", 0)
    assert resume_batches() == [batch.id]  # as the restarted worker does
    rows = _rows(batch)
    assert [r.state for r in rows] == [RowState.SENT] * 4
    payouts = _no_duplicates(sandbox)
    assert len(payouts) == 4 and len({r.payout_id for r in rows}) == 4
    assert all(sandbox.state.counters["process_requests"][p.provider_invoice_id] == 1
               for p in payouts)
    assert db.session.get(Batch, batch.id).status == B.DONE


def test_a_live_runner_keeps_its_batch(app, make_user, make_batch, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", _killer("stored"))
    batch = _approved(make_user, make_batch, accounts(3))
    with pytest.raises(Killed):
        run_batch(batch.id)
    db.session.rollback()
    monkeypatch.setitem(app.config, "BATCH_STEP_HOOK", None)
    assert resume_batches() == []  # the lease has not run out
    assert run_batch(batch.id) == "busy"


def test_the_rate_is_bounded():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(9):
        limiter.wait()
    assert now[0] == pytest.approx(2.0)  # 9 calls at 4 per second: 8 gaps of 0.25 s
    assert slept == [pytest.approx(0.25)] * 8


def test_progress_fragment(app, make_user, make_batch, client_for, sandbox):
    batch = _approved(make_user, make_batch, accounts(2))
    client = client_for("olga")
    waiting = client.get(f"/batches/{batch.id}/progress", headers=HTMX).get_data(as_text=True)
    assert "<html" not in waiting and "<progress" in waiting
    assert 'hx-trigger="every 2s"' in waiting and "style=" not in waiting
    run_batch(batch.id)
    done = client.get(f"/batches/{batch.id}/progress", headers=HTMX).get_data(as_text=True)
    assert 'hx-trigger' not in done
    assert '<progress max="2" value="2">' in done
    assert 'data-count="done">2<' in done and 'data-count="pending">0<' in done
    full = client.get(f"/batches/{batch.id}/progress").get_data(as_text=True)
    assert "<html" in full
