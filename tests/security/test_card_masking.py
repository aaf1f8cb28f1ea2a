"""Card numbers (Luhn-valid, 13-19 digits, any separators) never shown, exported or logged in
full, in any field; pages that give a failed submit back carry no full PAN or CVV and are
`no-store`.

Reproduction: `5500.0000.0000.0004`, or a card number in the description or the recipient
name, was shown in full on the detail page, the list and the exports; log redaction missed
`+`, `%20` and `.`; the form re-rendered after a provider failure carried the PAN and CVV in
hidden inputs without `Cache-Control: no-store`."""

from __future__ import annotations

import io
import logging
import re
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.form_tokens import issue
from webapp.models import User
from webapp.observability.card_numbers import mask_cards
from webapp.observability.redact import redact
from webapp.payout_core.create import PayoutDraft, submit_payout
from webapp.payout_core.gateway import provider_client
from webapp.sandbox import SandboxServer

PANS = ["5500000000000004", "4111111111111111", "4222222222222", "6011000990139424"]
WRITTEN = ["5500.0000.0000.0004", "4111 1111 1111 1111", "4222-2222-22222",
           "6011+0009+9013+9424", "5500%200000%200000%200004", "4111_1111_1111_1111",
           "4111/1111/1111/1111", "5500 - 0000 - 0000 - 0004", "4111111111111111"]
CVV = "737"


def full_pan_in(text: str) -> list[str]:
    """Full card numbers in `text` however they are separated."""
    compact = re.sub(r"[\s.\-+_/]|%20", "", text)
    return [pan for pan in PANS if pan in compact]


@pytest.mark.parametrize("written", WRITTEN)
def test_mask_cards_finds_every_spelling(written: str) -> None:
    masked = mask_cards(f"pay {written} now")
    assert full_pan_in(masked) == [] and "***" in masked
    assert masked.startswith("pay ") and masked.endswith(" now")


@pytest.mark.parametrize("text", ["1234567812345678", "amount 1234567890123.45",
                                  "ref 3f2a9c1e0b7d4a55", "+380 50 123 4567", "2026-11-29"])
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_cards(text) == text


@pytest.mark.parametrize("written", WRITTEN)
def test_log_lines_are_redacted(written: str, caplog: pytest.LogCaptureFixture) -> None:
    assert full_pan_in(redact(f"GET /x?card={written}&cvv=1 body {{\"pan\": \"{written}\"}}")) \
        == []


def _payout_with_cards(olga: User) -> None:
    chosen = provider_client().prerequest("USD", Decimal("10.00")).service("test_usd")
    assert chosen is not None
    for index, written in enumerate(WRITTEN):
        submit_payout(PayoutDraft(
            service=chosen, currency="USD", amount=Decimal("10.00"),
            fields={"account": "4242", "test_details_payout_resolution": written},
            submission_token=str(uuid.uuid4()), customer_name=f"Rita {written}",
            customer_email=f"{index}@example.com", description=f"card {written} thanks",
        ), olga)


@pytest.mark.parametrize("path", ["/payouts/", "/payouts/export.csv", "/", "DETAIL",
                                  "/payouts/export.xlsx"])
def test_pages_and_exports_never_show_a_full_card_number(
        operator_client: FlaskClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _payout_with_cards(User.query.filter_by(username="olga").one())
    from webapp.models import Payout

    paths = [f"/payouts/{p.id}" for p in Payout.query.all()] if path == "DETAIL" else [path]
    for where in paths:
        answer = operator_client.get(where)
        assert answer.status_code == 200, where
        data = answer.get_data()
        if where.endswith(".xlsx"):
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(data)).active
            text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
        else:
            text = data.decode()
        assert full_pan_in(text) == [], where
    assert full_pan_in(" ".join(r.getMessage() for r in caplog.records)) == []


def card_service_answer() -> dict:
    service = good_service()
    service["fields"] = [
        {"key": "card_number", "label": "Card", "required": True, "weight": 1},
        {"key": "cvv", "label": "CVV", "required": True, "weight": 2},
        {"key": "account", "label": "Account", "required": False, "weight": 3}]
    return prerequest_body(service)


SUBMIT = {"currency": "USD", "amount": "10.00", "service": "test_usd",
          "field__card_number": "5500.0000.0000.0004", "field__cvv": CVV,
          "field__account": "4111 1111 1111 1111", "description": "for 4111-1111-1111-1111",
          "customer_name": "Rita"}


def _olgas_token() -> str:
    """A submission token issued to the operator who posts (tokens are bound to their user)."""
    return issue(User.query.filter_by(username="olga").one().id)


def _assert_no_secrets_back(answer) -> None:
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert full_pan_in(body) == []
    assert f'value="{CVV}"' not in body
    assert answer.headers.get("Cache-Control") == "no-store"
    assert "type them again" in body


def test_a_submit_refused_by_the_provider_gives_no_pan_back(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    queue_answer(sandbox, "prerequest", card_service_answer())
    queue_answer(sandbox, "create", {"errors": {"cvv": "Wrong code"}}, status=422)
    answer = operator_client.post("/payouts/new", data={
        **SUBMIT, "submission_token": _olgas_token(), "action": "create"})
    _assert_no_secrets_back(answer)
    assert "Wrong code" in answer.get_data(as_text=True)


def test_a_submit_when_the_provider_is_silent_gives_no_pan_back(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer) -> None:
    sandbox.state.inject("prerequest", "500_before", times=5)
    answer = operator_client.post("/payouts/new", data={
        **SUBMIT, "submission_token": _olgas_token(), "action": "create"})
    _assert_no_secrets_back(answer)
    assert 'name="amount" value="10.00"' in answer.get_data(as_text=True)  # the rest is kept
