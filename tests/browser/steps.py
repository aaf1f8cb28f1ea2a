"""Steps the journeys share: what a person does on the new-payout page, and what the test
reads back from the database (fresh, since the app wrote it from another thread)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus

DETAIL_URL = re.compile(r"/payouts/(\d+)$")


def switch_language(page: Page, code: str) -> None:
    """The header's language buttons (a form post that comes back to the same page)."""
    page.locator(f"form.lang-switch button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def choose_test_service(page: Page, amount: str = "10.00", *, javascript: bool = True) -> None:
    """Step 1 and 2: currency and amount, then the sandbox's test service and Continue (with
    JavaScript htmx brings the form in place; without, the page reloads with it)."""
    page.locator("#currency").select_option("USD")
    page.locator("#amount").fill(amount)
    page.locator("#start-form button[type=submit]").click()
    radio = page.locator("input[type=radio][name=service][value=test_usd]")
    radio.check()
    page.locator("form:has(input[type=radio][name=service]) button[type=submit]").click()
    expect(page.locator("#payout-form #field__account")).to_be_visible()


def submit_payout_form(page: Page, *, create: bool = True) -> None:
    """Continue; when the review comes (no errors), press "Create payout" unless `create` is
    False. With errors the form comes back with its summary and nothing else is pressed."""
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/payouts/new")):
        page.locator("#continue-payout").click()
    outcome = page.locator("#review-form, #error-summary")
    expect(outcome.first).to_be_visible()
    if create and page.locator("#review-form").count():
        page.locator("#create-payout").click()


def payouts() -> list[Payout]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Payout).order_by(Payout.id)))


def payout(payout_id: int) -> Payout:
    db.session.expire_all()
    found = db.session.get(Payout, payout_id)
    assert found is not None
    return found


def detail_id(page: Page) -> int:
    match = DETAIL_URL.search(page.url)
    assert match, f"not on a payout page: {page.url}"
    return int(match.group(1))


def csrf_token(page: Page) -> str:
    """The token htmx sends, read from <body hx-headers> as htmx reads it."""
    headers = page.locator("body").get_attribute("hx-headers")
    assert headers
    token = json.loads(headers)["X-CSRFToken"]
    assert token
    return str(token)


def status_of(payout_id: int) -> PayoutStatus:
    return payout(payout_id).status_enum
