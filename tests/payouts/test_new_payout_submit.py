"""Submitting /payouts/new through the app, against the sandbox over real HTTP: a valid payout
makes one invoice there and one row here, twice-submitted forms do not make two, and the
provider's 422 comes back onto the field it names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.extensions import db
from webapp.models import Payout
from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer, faults, views

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def form_values(client: FlaskClient, query: str, action: str = "create") -> dict[str, str]:
    """What the rendered form would post (currency, amount, service, token) plus the step:
    `create`, as the review step's "Create payout" button sends it."""
    html = client.get(f"/payouts/new?{query}").get_data(as_text=True)
    assert 'id="payout-form"' in html, html[-2000:]
    found = dict(re.findall(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"', html))
    amount = re.search(r'<input [^>]*name="amount"[^>]*value="([^"]*)"', html)
    checked = re.search(r'name="checked_amount" value="([^"]*)"', html)
    assert amount is not None and checked is not None
    return {**{k: found[k] for k in ("currency", "service", "submission_token")},
            "amount": amount.group(1), "checked_amount": checked.group(1), "action": action}


def payouts() -> list[Payout]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Payout).order_by(Payout.id)))


def test_valid_payout_makes_one_invoice_and_one_row(operator_client: FlaskClient,
                                                    sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    response = operator_client.post("/payouts/new", data={
        **values, "field__account": "1234567", "field__test_details_payout_status": "processed",
        "customer_name": "Ann Lee", "customer_email": "ann@example.com",
        "description": "March fee",
    })
    assert response.status_code == 303
    [payout] = payouts()
    assert response.headers["Location"].endswith(f"/payouts/{payout.id}")
    assert payout.service_code == "test_usd" and str(payout.amount) == "10.00000000"
    assert payout.customer_name == "Ann Lee" and payout.customer_reference_id  # generated
    assert payout.description == "March fee"
    invoices = sandbox.state.newest_first()
    assert [i.reference_id for i in invoices] == [payout.reference_id]
    assert payout.provider_invoice_id == invoices[0].id


def test_htmx_submit_redirects_with_hx_redirect(operator_client: FlaskClient,
                                                sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=EUR&amount=20&service=voucher_eur")
    response = operator_client.post("/payouts/new", data=values, headers=HTMX)
    [payout] = payouts()
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/payouts/{payout.id}"
    assert len(sandbox.state.newest_first()) == 1


def test_double_submit_and_reload_make_one_payout(operator_client: FlaskClient,
                                                  sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=UAH&amount=100&service=card_uah")
    data = {**values, "field__card_number": "4111111111111111"}
    first = operator_client.post("/payouts/new", data=data)
    second = operator_client.post("/payouts/new", data=data)  # a second click, or a reload
    third = operator_client.post("/payouts/new", data=data, headers=HTMX)
    [payout] = payouts()
    assert first.headers["Location"] == second.headers["Location"] == f"/payouts/{payout.id}"
    assert third.headers["HX-Redirect"] == f"/payouts/{payout.id}"
    assert len(sandbox.state.newest_first()) == 1
    assert sandbox.state.calls["create"] == 1


def test_invalid_submit_keeps_what_was_typed(operator_client: FlaskClient,
                                             sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    response = operator_client.post("/payouts/new", data={
        **values, "field__account": "12ab", "customer_email": "ann@",
        "customer_name": "<b>Ann</b>"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="payout-services"')
    account = html[html.index('id="field__account-wrap"'):]
    account = account[:account.index("</div>")]
    assert 'value="12ab"' in account and 'aria-invalid="true"' in account
    assert "Not in the format the provider expects: 1 to 15 digits." in account
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html and "<b>Ann</b>" not in html
    assert f'value="{values["submission_token"]}"' in html  # nothing was created: same token
    assert payouts() == [] and sandbox.state.calls["create"] == 0


def test_full_page_post_with_errors(operator_client: FlaskClient) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    response = operator_client.post("/payouts/new", data=values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert 'id="error-summary"' in html and "This field is required." in html
    assert 'href="#field__account"' in html  # the summary links to the field


@pytest.mark.parametrize(("errors", "field_id", "message"), [
    ({"fields.card_number": "Card is blocked."}, "field__card_number", "Card is blocked."),
    ({"amount": "This value is not valid."}, "amount-wrap", "This value is not valid."),
])
def test_provider_422_lands_on_its_field(operator_client: FlaskClient, sandbox: SandboxServer,
                                         monkeypatch: pytest.MonkeyPatch, errors: dict[str, str],
                                         field_id: str, message: str) -> None:
    # The sandbox's own 422 fault, answering with the errors this test names.
    monkeypatch.setitem(faults._REFUSALS, "422", lambda: views.validation_error(errors))
    sandbox.state.inject("create", "422")
    values = form_values(operator_client, "currency=UAH&amount=100&service=card_uah")
    response = operator_client.post("/payouts/new", data={
        **values, "field__card_number": "4111111111111111"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    region = html[html.index(f'id="{field_id}'):]
    region = region[:region.index("</div>")]
    assert message in region
    # A card number never comes back to the browser (issue 20): typed again, and said so.
    assert 'value="4111111111111111"' not in html and "type them again" in html
    new_token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html)
    assert new_token and new_token.group(1) != values["submission_token"]
    assert sandbox.state.newest_first() == []  # the provider created nothing


def test_service_gone_before_submit(operator_client: FlaskClient,
                                    sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    response = operator_client.post("/payouts/new", data={**values, "service": "nope",
                                                          "field__account": "1"}, headers=HTMX)
    assert "Choose another one." in response.get_data(as_text=True)
    assert payouts() == [] and sandbox.state.calls["create"] == 0


def test_tampered_amount_is_checked_again(operator_client: FlaskClient,
                                          sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=card_uah")
    response = operator_client.post("/payouts/new", data={
        **values, "amount": "0.01", "field__card_number": "4111111111111111"}, headers=HTMX)
    html = response.get_data(as_text=True)
    # 0.42 UAH: below card_uah's 10. The form stays, with the limit at the amount.
    amount = html[html.index('id="amount-wrap"'):][:1500].replace("\u00a0", " ")
    assert "Too small for this service: 0.42 UAH, the minimum is 10.00 UAH." in amount
    assert payouts() == [] and sandbox.state.calls["create"] == 0


def test_prerequest_failure_on_submit_keeps_the_entries(operator_client: FlaskClient,
                                                        sandbox: SandboxServer) -> None:
    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    clear_cache()
    sandbox.state.inject("prerequest", "500_before", times=10)
    data = {**values, "field__account": "98765"}
    response = operator_client.post("/payouts/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Your entries are kept." in html
    assert 'name="field__account" value="98765"' in html
    assert payouts() == []
    sandbox.state.reset()
    retry = operator_client.post("/payouts/new", data=data)
    assert retry.status_code == 303 and len(payouts()) == 1


def test_post_without_csrf_is_refused(operator_client: FlaskClient) -> None:
    values = form_values(operator_client, "currency=EUR&amount=20&service=voucher_eur")
    response = operator_client.post("/payouts/new", data=values, csrf=False)
    assert response.status_code == 400 and payouts() == []


def test_a_create_commits_twice_and_its_audit_line_goes_with_the_row(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    """Store-before-call needs two commits: the row before the provider call, its answer after.
    The audit line and links are written with the row (a third commit cost every create a
    disk write): by the time the provider hears of the payout, its audit line exists."""
    from sqlalchemy import event

    from webapp.models import AuditEvent

    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    audited_at_call: list[int] = []
    original = sandbox.state.store

    def create_noting_audit(*args, **kwargs):  # type: ignore[no-untyped-def]
        with app.app_context():
            audited_at_call.append(len(db.session.scalars(db.select(AuditEvent).where(
                AuditEvent.action == "payout.created")).all()))
        return original(*args, **kwargs)

    commits: list[int] = []
    with app.app_context():
        engine = db.engine
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        sandbox.state.store = create_noting_audit  # type: ignore[method-assign]
        response = operator_client.post("/payouts/new", data={
            **values, "field__account": "1234567"})
    finally:
        sandbox.state.store = original  # type: ignore[method-assign]
        event.remove(engine, "commit", listener)
    assert response.status_code == 303
    assert len(commits) == 2
    assert audited_at_call == [1]


def test_a_create_reads_only_the_payout_columns_it_needs(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    """The checks before the insert read ids; after the provider's answer the row is read
    again under its lock (a callback may have moved it meanwhile), but only the columns the
    decision needs: the JSON columns (snapshot,
    fields, the provider's payload) cost the create a statement's worth of work for nothing."""
    from sqlalchemy import event

    values = form_values(operator_client, "currency=USD&amount=10&service=test_usd")
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = operator_client.post("/payouts/new", data={**values,
                                                              "field__account": "7654321"})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 303
    insert_at = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO payouts"))
    # Before it, the token and duplicate checks ask for a few columns: almost always they find
    # nothing, and a whole row's columns cost even an empty answer.
    checks = [s for s in seen[:insert_at] if "FROM payouts" in s]
    assert len(checks) == 2 and not any("service_snapshot" in s for s in checks)
    after_insert = seen[insert_at:]
    [relock] = [s for s in after_insert if s.startswith("SELECT") and "FROM payouts" in s]
    assert "payouts.status" in relock and "payouts.provider_invoice_id" in relock
    for column in ("service_snapshot", "fields_encrypted", "provider_payload"):
        assert column not in relock
    if engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in relock
    [payout] = payouts()
    assert payout.provider_invoice_id and payout.provider_payload
