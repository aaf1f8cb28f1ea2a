"""The header's inbox count follows new notifications by htmx polling, without a reload, and
its notification leads to the exact page where the manager decides."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from webapp.models import Role
from webapp.notifications import jobs


def test_the_unread_count_updates_itself_and_the_link_opens_the_approval(
        app, make_user, make_payout, signed_in, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_POLL_SECONDS", 1)
    operator = make_user("olga", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto("/payouts/")
    badge = page.locator("#inbox-count")
    expect(badge).to_be_visible()
    expect(badge.locator("[data-unread]")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    payout = make_payout(operator)
    jobs.run_once()  # what the worker does each minute

    expect(badge.locator("[data-unread]")).to_have_text("1", timeout=10_000)
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    badge.click()
    expect(page.get_by_text(f"Payout #{payout.id} waits for your approval")).to_be_visible()
    page.get_by_role("link", name="Review and decide").click()
    expect(page).to_have_url(re.compile(rf"/payouts/{payout.id}$"))
    expect(page.locator("form[action$='/approve']")).to_have_count(1)
