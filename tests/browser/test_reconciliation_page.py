"""The reconciliation page in Chromium (with the CSP watched): an auditor starts a run for
today, sees the difference made behind the desk's back, filters it, and marks it explained
with a note; the approval page shows the quote then and now with the pre-flight's warning."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import ReconciliationDifference, Role


def test_an_auditor_runs_filters_and_explains(signed_in, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    requests.post(f"{sandbox.url}/_sandbox/invoices/{payout.provider_invoice_id}",
                  json={"amount": "11.00"}, timeout=5).raise_for_status()
    requests.post(f"{sandbox.url}/_sandbox/invoices", json={"count": 1},
                  timeout=5).raise_for_status()
    make_user("aud", Role.AUDITOR)
    page = signed_in("aud")
    page.goto("/reconciliation/")
    page.get_by_role("button", name="Start reconciliation").click()
    expect(page.locator(".flash-success")).to_contain_text("started")
    expect(page.locator("#differences tbody tr[data-difference]")).to_have_count(2)
    page.get_by_label("Kind").select_option("amount")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#differences tbody tr[data-difference]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Amount differs")
    rows.first.locator("input[name=note]").fill("Provider corrected it, ticket 7")
    rows.first.get_by_role("button", name="Mark explained").click()
    expect(page.locator(".flash-success")).to_contain_text("marked explained")
    db.session.expire_all()
    explained = db.session.scalars(db.select(ReconciliationDifference).where(
        ReconciliationDifference.kind == "amount")).one()
    assert explained.explained and explained.note == "Provider corrected it, ticket 7"


def test_the_approval_page_shows_the_quote_and_the_warning(signed_in, make_user, make_payout,
                                                           sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    requests.post(f"{sandbox.url}/_sandbox/services/test_usd", json={"rate_factor": "1.05"},
                  timeout=5).raise_for_status()
    make_user("max", Role.MANAGER)
    page = signed_in("max")
    page.goto(f"/payouts/{payout.id}")
    expect(page.locator("#quote tr[data-row=rate]")).to_contain_text("1.05")
    expect(page.locator("#preflight-warning")).to_contain_text("would get 10.50 USD")
    page.get_by_role("button", name="Approve and pay").click()
    expect(page.locator(".flash-error")).to_contain_text("Nothing was sent to the provider")
    assert sum(sandbox.state.provider_totals()["process_requests"].values()) == 0
