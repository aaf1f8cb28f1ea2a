"""Provider text is text: HTML, htmx and meta payloads in every field the provider sends are
shown escaped, in Chromium, under the app's own Content-Security-Policy.

Reproduction: `_l("The provider refused this: %(message)s", message=...)` rendered a 422
message as markup (lazy strings count as safe HTML in Jinja); the CSP let a
`<meta http-equiv=refresh>` leave for another site and `<span hx-post="/logout"
hx-trigger="load">` sign the operator out without a click."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import log_in, new_context  # noqa: F401 (fixture)
from tests.security.hostile_provider import prerequest_body, queue_answer
from webapp.extensions import db
from webapp.models import Payout, Role, User
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.outcomes import describe
from webapp.payout_core.state import apply_invoice
from webapp.provider.errors import ProviderError
from webapp.sandbox import SandboxServer

# Each payload, if interpreted, leaves a trace the test sees: a navigation to another site, a
# POST to /logout, a request for the image, an element with a `pwned` class.
PAYLOAD = ('<meta http-equiv="refresh" content="0;url=http://evil.example/">'
           '<span class="pwned" hx-post="/logout" hx-trigger="load">htmx</span>'
           '<img class="pwned" src="/static/pwned.png" onerror="document.title=1">'
           '<b class="pwned">bold</b>')
SHORT = '<b class="pwned">x</b>'  # for values with a length limit (codes, currencies)
SETTLE_MS = 1200  # meta refresh 0 s and htmx `load` triggers fire well within this


def hostile_answer() -> dict[str, Any]:
    chosen = {
        "code": "svc_ok", "method": "m_bad", "currency": SHORT, "status": "available",
        "amount_min": "0.01000000", "amount_max": "99999.00000000", "exchange_rate": 1,
        "fields": [{"key": key, "type": "string", "required": False, "weight": i,
                    "label": {"en": PAYLOAD + f" label {key}"},
                    "hint": {"en": PAYLOAD + " hint"}, "example": PAYLOAD + " example"}
                   for i, key in enumerate(["account", "holder"])],
    }
    unavailable = {"code": SHORT, "method": "m_bad", "currency": "USD",
                   "status": PAYLOAD + " status", "fields": []}
    methods = {"m_bad": {"code": "m_bad", "name": {"en": PAYLOAD + " method"}}}
    return prerequest_body(chosen, unavailable, methods=methods)


class Trap:
    """Everything the page did that a payload could have caused."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page, self.origin = page, origin
        self.requests: list[str] = []
        self.navigations: list[str] = []
        page.on("request", lambda r: self.requests.append(f"{r.method} {r.url}"))
        page.on("framenavigated", lambda f: self.navigations.append(f.url)
                if f == page.main_frame else None)

    def visit(self, action: Callable[[], Any]) -> None:
        self.requests.clear()
        self.navigations.clear()
        action()
        self.page.wait_for_load_state()
        self.page.wait_for_timeout(SETTLE_MS)

    def assert_inert(self, where: str, must_show: list[str]) -> None:
        page = self.page
        assert page.url.startswith(self.origin), (where, page.url)
        assert len(self.navigations) <= 1, (where, self.navigations)
        assert not any("/logout" in r or "pwned.png" in r or "evil.example" in r
                       for r in self.requests), (where, self.requests)
        assert page.locator(".pwned").count() == 0, where
        assert page.locator('meta[http-equiv="refresh"]').count() == 0, where
        assert page.title() != "1", where
        text = page.locator("body").inner_text().lower()
        for shown in must_show:
            assert shown.lower() in text, (where, shown)  # the payload is shown, as text


@pytest.fixture
def operator_page(app: Flask, make_user: Callable[..., User],
                  new_context: Callable[..., BrowserContext],  # noqa: F811
                  monkeypatch: pytest.MonkeyPatch) -> Page:
    monkeypatch.setitem(app.config, "PAYOUTS_PREREQUEST_TTL", 0)  # every page asks anew
    make_user("olga", Role.OPERATOR)
    page = new_context().new_page()
    log_in(page, "olga")
    return page


def test_provider_text_on_the_new_payout_pages(operator_page: Page, live_server: str,
                                               sandbox: SandboxServer) -> None:
    page, trap = operator_page, Trap(operator_page, live_server)
    base = "/payouts/new?currency=USD&amount=10.00"
    queue_answer(sandbox, "prerequest", hostile_answer(), times=2)
    trap.visit(lambda: page.goto(base))
    trap.assert_inert("service list", ["hx-post=\"/logout\"", " method", " status", SHORT])
    trap.visit(lambda: page.goto(base + "&service=svc_ok"))
    trap.assert_inert("service form", ["label account", " hint", " example"])

    # A 422 whose messages name our fields, a provider field and nothing we know: Continue
    # (the review, which repeats labels and values) and Create.
    queue_answer(sandbox, "prerequest", hostile_answer(), times=2)
    queue_answer(sandbox, "create", {"errors": {
        "fields": {"account": PAYLOAD + " on account"}, "amount": PAYLOAD + " on amount",
        "description": PAYLOAD + " on description", "elsewhere": PAYLOAD + " elsewhere"}},
        status=422)
    page.locator("[name=field__account]").fill("12345")
    trap.visit(lambda: page.locator("#continue-payout").click())
    trap.assert_inert("review", ["label account"])
    trap.visit(lambda: page.locator("#create-payout").click())
    trap.assert_inert("422 messages", ["The provider refused this", " on amount"])


def test_provider_text_on_the_payout_pages(operator_page: Page, live_server: str,
                                           sandbox: SandboxServer,
                                           make_payout: Callable[..., Any]) -> None:
    page, trap = operator_page, Trap(operator_page, live_server)
    olga = User.query.filter_by(username="olga").one()
    payout = make_payout(olga)
    invoice_id = payout.provider_invoice_id
    queue_answer(sandbox, "get", json.dumps({"data": {
        "type": "payout-invoices", "id": invoice_id, "attributes": {
            "status": SHORT, "resolution": SHORT + "resolution",  # as long as the columns allow
            "reference_id": payout.reference_id, "amount": "10.00", "currency": "USD",
            "service": "test_usd", "updated": int(time.time()) + 5}}}))
    applied = provider_client().get_invoice(invoice_id)
    apply_invoice(payout, applied, source="poll")
    db.session.commit()
    queue_answer(sandbox, "get", {"errors": [{"detail": PAYLOAD + " error"}]}, status=500,
                 times=3)
    with pytest.raises(ProviderError) as failure:
        provider_client().get_invoice(invoice_id)
    payout = db.session.get(Payout, payout.id)
    payout.last_error = describe(failure.value)
    db.session.commit()
    for where in (f"/payouts/{payout.id}", "/payouts/", "/payouts/attention", "/"):
        trap.visit(lambda where=where: page.goto(where))
        trap.assert_inert(where, [])
    trap.visit(lambda: page.goto(f"/payouts/{payout.id}"))
    trap.assert_inert("detail", [SHORT, "resolution", " error"])
