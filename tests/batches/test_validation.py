"""Rows are validated by the single-payout form itself: same rules, same messages; plus
duplicates inside the file. The 10,000-row file is checked for correctness here (its speed is
measured by the benchmark)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from tests.batches.conftest import csv_bytes, service
from webapp.batches.columns import columns_for
from webapp.batches.services import read_file
from webapp.batches.validation import error_message, validate_rows
from webapp.new_payout.forms import build_payout_form

BAD_ROWS = [
    {"account": "", "amount": "10"},  # required field missing
    {"account": "12ab", "amount": "10"},  # provider regexp ^\d{1,15}$
    {"account": "1" * 16, "amount": "10"},  # longer than the pattern allows
    {"account": "123", "amount": "10.123"},  # USD has two decimals
    {"account": "123", "amount": "1,000"},  # two readings (1000 or 1.000): refused
    {"account": "123", "amount": ""},
    {"account": "123", "amount": "10", "customer_email": "not-an-email"},
    {"account": "123", "amount": "10", "customer_phone": "call me"},
]


def _single_form_errors(chosen, row: dict[str, str]) -> set[str]:
    form_class = build_payout_form(chosen, "en")
    data = MultiDict({"currency": "USD", "service": chosen.code, "amount": row.get("amount", ""),
                      "submission_token": "7d3c0d2e-2c59-4a4e-9d43-5d8d1d3f4a10",
                      "field__account": row.get("account", ""),
                      "customer_email": row.get("customer_email", ""),
                      "customer_phone": row.get("customer_phone", "")})
    form = form_class(formdata=data, meta={"csrf": False})
    assert not form.validate()
    return {str(m) for messages in form.errors.values() for m in messages}


@pytest.mark.parametrize("row", BAD_ROWS, ids=range(len(BAD_ROWS)))
def test_a_bad_row_gets_exactly_the_single_forms_errors(app, row):
    chosen = service()
    with app.test_request_context():
        report = validate_rows(chosen, [row], "en", currency="USD")
        expected = _single_form_errors(chosen, row)
    [result] = report.rows
    assert not result.valid
    assert {e["message"] for e in result.errors} == expected


def test_errors_name_their_column(app):
    with app.test_request_context():
        report = validate_rows(service(), [{"account": "x1", "amount": "0.001"}], "en")
    assert {e["column"] for e in report.rows[0].errors} == {"account", "amount"}


def test_provider_pattern_semantics_and_limits(app):
    """ewallet_usd has the unanchored `[0-9]{5,100}`: preg_match accepts `ab12345`."""
    wallet = service("ewallet_usd")
    with app.test_request_context():
        report = validate_rows(wallet, [{"account": "ab12345", "amount": "10"},
                                        {"account": "ab1234", "amount": "10"},
                                        {"account": "12345", "amount": "5000.01"}], "en")
    assert [r.valid for r in report.rows] == [True, False, False]
    assert "Too large for this service" in report.rows[2].errors[0]["message"]


def test_valid_rows_carry_what_the_payout_needs(app):
    with app.test_request_context():
        report = validate_rows(service(), [{"account": " 777 ", "amount": "12,5",
                                            "customer_name": "Ann", "description": "fee"}], "en")
    [row] = report.rows
    assert row.valid and row.amount == Decimal("12.50") and row.fields == {"account": "777"}
    assert row.customer["customer_name"] == "Ann" and row.customer["customer_email"] is None
    assert report.total == Decimal("12.50") and row.digest and len(row.digest) == 64


def test_duplicates_inside_the_file(app):
    rows = [{"account": "1", "amount": "10"}, {"account": "2", "amount": "10"},
            {"account": "1", "amount": "10.00"}, {"account": "1", "amount": "11"}]
    with app.test_request_context():
        report = validate_rows(service(), rows, "en")
    assert [r.valid for r in report.rows] == [True, True, False, True]
    assert report.rows[2].errors == [{"column": "", "code": "duplicate", "row": 2, "message":
                                      "Same recipient and amount as row 2."}]
    assert report.total == Decimal("31.00")


def test_row_errors_are_kept_in_every_language_and_shown_in_the_readers(app):
    """Uploaded by a Russian operator, read by a Ukrainian manager: each in their language."""
    rows = [{"account": "", "amount": "10"}, {"account": "1", "amount": "10"},
            {"account": "1", "amount": "10.00"}]
    with app.test_request_context():
        report = validate_rows(service(), rows, "ru")
    missing, duplicate = report.rows[0].errors[0], report.rows[2].errors[0]
    assert set(missing["messages"]) == {"en", "ru", "uk"}
    assert missing["message"] == missing["messages"]["ru"] != missing["messages"]["uk"]
    with app.test_request_context():
        assert error_message(missing, "uk") == missing["messages"]["uk"]
        assert error_message(duplicate, "uk") == "Той самий отримувач і сума, що й у рядку 3."
        assert error_message(duplicate, "ru").startswith("Тот же получатель")


def test_messages_and_labels_in_the_operators_language(app):
    chosen = service()
    with app.test_request_context():
        report = validate_rows(chosen, [{"account": "", "amount": "10"}], "ru")
        labels = {c.key: c.label for c in columns_for(chosen, "ru")}
    [error] = report.rows[0].errors
    assert labels["account"] == "Аккаунт"
    assert error["column"] == "account"
    assert error["message"] != "This field is required."
    assert any("а" <= ch <= "я" for ch in error["message"].lower())  # Cyrillic text


def test_headers_in_another_language_or_bare_keys_are_read_alike(app):
    chosen = service()
    ru = [c.header for c in columns_for(chosen, "ru")]
    rows = [["111", "", "", "", "10", "", "Ann", "", "", ""]]
    with app.test_request_context():
        by_label = read_file("p.csv", csv_bytes(rows, ru), chosen, "USD", "en")
        keys = [c.key for c in columns_for(chosen, "en")]
        by_key = read_file("p.csv", csv_bytes(rows, keys), chosen, "USD", "en")
    assert by_label.rows[0].valid and by_key.rows[0].valid
    assert by_label.rows[0].digest == by_key.rows[0].digest


def test_ten_thousand_rows(app):
    """The largest file allowed: every row checked, the bad ones (and only those) reported."""
    chosen = service()
    rows = [[str(100000 + i), "10.00" if i % 1000 else "10.001", f"Name {i}", ""]
            for i in range(10_000)]
    with app.test_request_context():
        report = read_file("big.csv", csv_bytes(rows), chosen, "USD", "en")
    assert len(report.rows) == 10_000
    assert [r.row_number for r in report.error_rows] == [2 + i for i in range(0, 10_000, 1000)]
    assert report.total == Decimal("10.00") * 9_990
