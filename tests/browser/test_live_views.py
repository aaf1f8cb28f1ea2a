"""Live views stay true: the batch page follows its job without a reload (rows, counts and
status from one read, never "Done" beside "Pending" rows) and stops polling once final."""

from __future__ import annotations

import threading
import time

from playwright.sync_api import Page, expect

from tests.batches.conftest import accounts
from tests.browser.conftest import log_in
from tests.browser.small_screens import SMALL_PHONE, uploaded_batch
from webapp.batches.approval import approve_batch, fingerprint_of
from webapp.batches.jobs import run_batch
from webapp.models import Role

# Every swap htmx settles on the page: the batch's status heading and its rows' states.
WATCH_SWAPS_JS = """() => {
  window.__swaps = [];
  window.__loadedOnce = true;
  document.body.addEventListener('htmx:afterSettle', () => {
    const rows = [...document.querySelectorAll('#batch-summary [data-row-state]')]
      .map(td => td.dataset.rowState);
    window.__swaps.push({status: document.querySelector('#batch-facts').textContent.trim(),
                         pending: document.querySelector('[data-count=pending]').textContent.trim(),
                         rows});
  });
}"""


def test_batch_page_follows_the_job_without_reload_and_stops_when_done(
        new_context, app, make_user, sandbox, monkeypatch) -> None:
    operator = make_user("olga", Role.OPERATOR)
    manager = make_user("mia", Role.MANAGER)
    batch = uploaded_batch(operator, accounts(4), language="en")
    assert approve_batch(batch.id, manager, fingerprint_of(batch)).fully_approved
    page: Page = new_context(viewport=SMALL_PHONE).new_page()
    log_in(page, "olga")
    page.goto(f"/batches/{batch.id}")
    expect(page.locator("#batch-facts")).to_have_text("Approved, starting")
    assert page.locator("[data-row-state=pending]").count() == 4
    page.evaluate(WATCH_SWAPS_JS)

    monkeypatch.setitem(app.config, "BATCH_RATE_PER_SECOND", 1.0)  # slow enough to be seen part-way
    job = threading.Thread(target=_run_in_app, args=(app, batch.id))
    job.start()
    try:
        expect(page.locator("#batch-facts")).to_have_text("Done", timeout=20_000)
    finally:
        job.join(timeout=30)
    assert page.evaluate("window.__loadedOnce") is True, "the page was reloaded"
    expect(page.locator("[data-count=done]")).to_have_text("4")
    expect(page.locator("[data-count=pending]")).to_have_text("0")
    assert page.locator("[data-row-state=pending]").count() == 0
    assert page.locator("[data-row-state=sent]").count() == 4

    swaps = page.evaluate("window.__swaps")
    assert any(0 < s["rows"].count("sent") < 4 for s in swaps), f"no swap mid-way: {swaps}"
    for swap in swaps:
        if swap["status"] == "Done":
            assert swap["pending"] == "0" and "pending" not in swap["rows"], swap
        assert swap["rows"].count("pending") == int(swap["pending"]), swap

    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if f"/batches/{batch.id}" in r.url else None)
    time.sleep(5)  # two and a half polling periods
    assert asked == [], f"still polling after the batch finished: {asked}"
    # The page's own live regions stop; the header's inbox count polls on every page.
    assert page.locator("main [hx-trigger*=every]").count() == 0


def test_progress_page_stops_polling_when_final(new_context, app, make_user, sandbox,
                                                monkeypatch) -> None:
    operator = make_user("olga", Role.OPERATOR)
    batch = uploaded_batch(operator, accounts(2), language="en")
    assert approve_batch(batch.id, make_user("mia", Role.MANAGER),
                         fingerprint_of(batch)).fully_approved
    page: Page = new_context().new_page()
    log_in(page, "olga")
    page.goto(f"/batches/{batch.id}/progress")
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(1)
    monkeypatch.setitem(app.config, "BATCH_RATE_PER_SECOND", 1000.0)
    _run_in_app(app, batch.id)
    expect(page.locator("[data-count=done]")).to_have_text("2", timeout=10_000)
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)


def _run_in_app(app, batch_id: int) -> None:
    with app.app_context():
        run_batch(batch_id)
