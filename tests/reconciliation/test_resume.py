"""A run streams the provider's pages, reports progress, and after a crash resumes from its
last committed cursor: no page is read twice, no difference recorded twice."""

from __future__ import annotations

import pytest

from tests.reconciliation.helpers import outside
from webapp.extensions import db
from webapp.models import ReconciliationDifference, ReconciliationRun, Role, RunStatus
from webapp.models.base import utcnow
from webapp.reconciliation import jobs, runner


class Crash(Exception):
    """The worker dies (as far as the run can tell: nothing after this is committed)."""


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(runner, "PAGE_SIZE", 20)


def _list_calls(sandbox) -> int:
    return sandbox.state.stats()["calls"].get("list", 0)


def test_a_crashed_run_resumes_from_its_cursor(app, sandbox, small_pages, monkeypatch):
    ids = outside(sandbox, count=250)
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    seen: list[int] = []

    def crash_on_the_fifth(current: ReconciliationRun) -> None:
        seen.append(current.pages)
        if current.pages == 5:
            raise Crash

    monkeypatch.setattr(runner, "after_page", crash_on_the_fifth)
    with pytest.raises(Crash):
        runner.execute(run.id)
    db.session.rollback()
    crashed = db.session.get(ReconciliationRun, run.id, populate_existing=True)
    assert (crashed.status, crashed.pages, crashed.invoices_seen) == ("running", 5, 100)
    assert crashed.cursor is not None
    assert _list_calls(sandbox) == 5

    # A live worker's run is never taken over; a dead one's (stale heartbeat) is.
    assert runner.execute(run.id) is None
    monkeypatch.setattr(runner, "after_page", None)
    monkeypatch.setitem(app.config, "RECONCILIATION_LEASE_SECONDS", 0)
    assert jobs.resume_stalled() == [run.id]
    done = db.session.get(ReconciliationRun, run.id, populate_existing=True)
    assert done.status == RunStatus.DONE and done.pages == 13 and done.invoices_seen == 250
    assert _list_calls(sandbox) == 13  # 5 before the crash, 8 after: none read twice
    found = db.session.scalars(db.select(ReconciliationDifference.invoice_id).where(
        ReconciliationDifference.run_id == run.id)).all()
    assert sorted(found) == sorted(ids) and done.differences == 250


def test_a_provider_outage_stops_the_run_and_it_resumes_later(app, sandbox, small_pages):
    outside(sandbox, count=60)
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    sandbox.state.inject("list", "500_before", times=3)  # every try of the first page
    stopped = runner.execute(run.id)
    assert stopped.status == RunStatus.FAILED and stopped.error["kind"] == "ServerError"
    assert stopped.pages == 0
    finished = runner.execute(run.id)
    assert finished.status == RunStatus.DONE and finished.invoices_seen == 60


def test_the_page_reports_progress(app, sandbox, small_pages, login_as):
    outside(sandbox, count=45)
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    runner.execute(run.id)
    page = login_as(Role.AUDITOR).get(
        f"/reconciliation/runs/{run.id}").get_data(as_text=True)
    assert "3 pages, 45 invoices read, 45 in the period" in page


def test_the_daily_run_starts_once_at_the_configured_hour(app, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "RECONCILIATION_HOUR", (utcnow().hour + 1) % 24)
    assert jobs.start_daily() is None
    monkeypatch.setitem(app.config, "RECONCILIATION_HOUR", utcnow().hour)
    first = jobs.start_daily()
    assert first is not None and first.status == RunStatus.DONE
    assert first.period_end.date() == utcnow().date() and first.requested_by_id is None
    assert jobs.start_daily() is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ReconciliationRun)) == 1


def test_the_progress_area_is_polled_while_the_run_goes(app, sandbox, login_as):
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=None)
    client = login_as(Role.MANAGER, username="max")
    fragment = client.get(f"/reconciliation/runs/{run.id}/progress",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'hx-trigger="every 3s"' in fragment
    runner.execute(run.id)
    finished = client.get(f"/reconciliation/runs/{run.id}/progress",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-get" not in finished and 'data-status="done"' in finished
    full = client.get(f"/reconciliation/runs/{run.id}/progress").get_data(as_text=True)
    assert "<html" in full
