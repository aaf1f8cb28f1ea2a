"""Paying a saved recipient: New payout filled from the book, validated against the provider's
*current* schema, one invoice at the sandbox; schema drift flagged, never sent stale."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.recipients.helpers import (
    add_details,
    form_inputs,
    make_recipient,
    payouts,
    post_new_payout,
)
from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.extensions import db
from webapp.models import RecipientPayout
from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def saved_usd(client: FlaskClient, account: str = "123456789") -> int:
    recipient = make_recipient(client, "Ann Lee", "ann-lee")
    response = add_details(client, recipient, "USD", "25", "test_usd", account=account)
    assert response.status_code == 303
    db.session.expire_all()
    return recipient.details[0].id


def test_paying_a_saved_recipient_makes_one_invoice(operator_client: FlaskClient,
                                                    sandbox: SandboxServer) -> None:
    detail_id = saved_usd(operator_client)
    page = operator_client.get(f"/payouts/new?saved={detail_id}").get_data(as_text=True)
    values = form_inputs(page, "payout-form")
    assert values["field__account"] == "123456789" and values["amount"] == "25"
    assert values["customer_name"] == "Ann Lee" and values["customer_reference_id"] == "ann-lee"
    assert 'id="schema-drift"' not in page
    response = post_new_payout(operator_client, f"saved={detail_id}")
    assert response.status_code == 303
    [payout] = payouts()
    [invoice] = sandbox.state.newest_first()
    assert invoice.reference_id == payout.reference_id
    assert payout.customer_reference_id == "ann-lee"
    link = db.session.get(RecipientPayout, payout.id)
    assert link is not None and link.detail_id == detail_id


def test_the_history_lists_payouts_with_totals_per_currency(operator_client: FlaskClient,
                                                            sandbox: SandboxServer) -> None:
    detail_id = saved_usd(operator_client)
    post_new_payout(operator_client, f"saved={detail_id}")
    post_new_payout(operator_client, f"saved={detail_id}&amount=5",
                    confirm_duplicate="y", duplicate_reason="second")
    recipient_id = db.session.get(RecipientPayout, payouts()[0].id).recipient_id
    page = operator_client.get(f"/recipients/{recipient_id}").get_data(as_text=True)
    assert 'data-currency="USD"' in page and "30.00" in page  # 25 + 5, one status row
    listed = page[page.index('id="history-payouts"'):]
    assert listed[:listed.index("</ul>")].count('href="/payouts/') == 2


def test_a_duplicate_warning_links_to_the_recipients_history(
        operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    detail_id = saved_usd(operator_client)
    post_new_payout(operator_client, f"saved={detail_id}")
    page = operator_client.get(f"/payouts/new?saved={detail_id}").get_data(as_text=True)
    values = {**form_inputs(page, "payout-form"), "action": "continue"}
    review = operator_client.post("/payouts/new", data=values).get_data(as_text=True)
    assert 'id="duplicate-warning"' in review
    recipient_id = db.session.get(RecipientPayout, payouts()[0].id).recipient_id
    assert f'href="/recipients/{recipient_id}#history"' in review


def drifted_test_usd(pattern: str, extra_field: bool = False,
                     drop_account: bool = False) -> dict:
    service = copy.deepcopy(good_service("test_usd"))
    service["fields"][0]["regexp"] = pattern
    if extra_field:
        service["fields"].append({"key": "tax_id", "type": "string", "required": True,
                                  "label": {"en": "Tax id"}, "regexp": "^\\\\d{10}$",
                                  "weight": 2})
    if drop_account:
        service["fields"] = service["fields"][1:]
    return prerequest_body(service)


def test_a_changed_pattern_flags_the_saved_value_and_it_is_not_sent(
        operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    """The sandbox now wants 20 digits where 15 were allowed: the saved account is shown as not
    fitting, Continue refuses it, and nothing reaches the provider."""
    detail_id = saved_usd(operator_client)
    clear_cache()
    queue_answer(sandbox, "prerequest", drifted_test_usd("^\\\\d{20}$", extra_field=True),
                 times=5)
    page = operator_client.get(f"/payouts/new?saved={detail_id}").get_data(as_text=True)
    assert 'id="schema-drift"' in page
    assert "changed this field&#39;s format" in page or "changed this field's format" in page
    assert "does not fit the provider" in page
    assert "New: the provider asks for this field" in page  # tax_id was added
    values = {**form_inputs(page, "payout-form"), "action": "continue"}
    again = operator_client.post("/payouts/new", data=values).get_data(as_text=True)
    assert 'id="review-form"' not in again and "Not in the format" in again
    assert payouts() == [] and sandbox.state.newest_first() == []


def test_a_removed_field_is_shown_and_never_sent(operator_client: FlaskClient,
                                                 sandbox: SandboxServer) -> None:
    detail_id = saved_usd(operator_client, account="5550001234")
    clear_cache()
    body = drifted_test_usd("^\\\\d{1,15}$", extra_field=True, drop_account=True)
    queue_answer(sandbox, "prerequest", body, times=5)
    page = operator_client.get(f"/payouts/new?saved={detail_id}").get_data(as_text=True)
    assert "no longer asks for" in page and "5550001234" not in page
    values = form_inputs(page, "payout-form")
    assert "field__account" not in values and values["field__tax_id"] == ""
