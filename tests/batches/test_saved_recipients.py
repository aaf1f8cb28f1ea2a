"""Batch files may name a saved recipient by reference instead of repeating their details."""

from __future__ import annotations

import copy
from collections.abc import Callable

from tests.batches.conftest import csv_bytes, service
from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.batches.services import read_file
from webapp.extensions import db
from webapp.models import Recipient, RecipientDetail, Role, User
from webapp.payout_core.prerequest import clear_cache
from webapp.recipients.book import store_detail
from webapp.sandbox import SandboxServer


def saved(creator: User, reference: str, account: str) -> None:
    recipient = Recipient(name=f"Saved {reference}", reference=reference,
                          created_by_id=creator.id)
    db.session.add(recipient)
    store_detail(recipient, service(), "USD", {"account": account}, None)
    db.session.commit()


def test_a_row_naming_a_saved_recipient_gets_their_details(
        make_user: Callable[..., User], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    saved(olga, "acme", "123456")
    rows = [["acme", "", "10.00", ""], ["", "777", "5.00", "Typed"], ["nobody", "", "1.00", ""]]
    report = read_file("pay.csv", csv_bytes(rows, ["saved_recipient", "account", "amount",
                                                   "customer_name"]),
                       service(), "USD", "en")
    first, typed, unknown = report.rows
    assert first.valid and first.fields == {"account": "123456"}
    assert first.customer["customer_name"] == "Saved acme"
    assert first.customer["customer_reference_id"] == "acme"
    assert typed.valid and typed.fields == {"account": "777"}
    assert not unknown.valid
    assert any("No saved recipient nobody" in e["message"] for e in unknown.errors)


def test_a_file_without_the_recipient_columns_is_read_through_the_book(
        make_user: Callable[..., User], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    saved(olga, "acme", "123456")
    report = read_file("pay.csv", csv_bytes([["acme", "10.00"]], ["saved_recipient", "amount"]),
                       service(), "USD", "en")
    [row] = report.rows
    assert row.valid and row.fields == {"account": "123456"}


def test_a_saved_value_the_current_schema_refuses_is_not_taken(
        make_user: Callable[..., User], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    saved(olga, "acme", "123456")
    changed = copy.deepcopy(good_service("test_usd"))
    changed["fields"][0]["regexp"] = "^\\\\d{20}$"
    clear_cache()
    queue_answer(sandbox, "prerequest", prerequest_body(changed), times=3)
    now = service()
    report = read_file("pay.csv", csv_bytes([["acme", "10.00"]], ["saved_recipient", "amount"]),
                       now, "USD", "en")
    [row] = report.rows
    assert not row.valid
    assert db.session.scalar(db.select(db.func.count()).select_from(RecipientDetail)) == 1
