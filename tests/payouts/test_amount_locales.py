"""Amounts as operators write them in en, ru and uk: one reading rule everywhere (form, batch
cells, list filters), ambiguous texts refused with both readings, examples in the locale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from webapp.payout_core.money import AmountError, amount_example, parse_amount
from webapp.payouts.list_filters import PayoutFilterForm

NBSP, NNBSP = "\u00a0", "\u202f"

# (locale, typed, currency, the value it means)
ACCEPTED = [
    ("en", "1,500.50", "USD", "1500.50"),
    ("en", "1500.50", "USD", "1500.50"),
    ("en", "1,000,000", "USD", "1000000.00"),
    ("en", "1,5", "USD", "1.50"),  # one reading only: a comma before one digit is a decimal
    ("en", "1,000.00", "USD", "1000.00"),
    ("en", "12 345.6", "USD", "12345.60"),
    ("ru", "1 500,50", "RUB", "1500.50"),
    ("ru", f"1{NBSP}500,50", "RUB", "1500.50"),
    ("ru", f"1{NNBSP}500,50", "RUB", "1500.50"),
    ("ru", "1500,5", "RUB", "1500.50"),
    ("ru", "1 000 000", "RUB", "1000000.00"),
    ("ru", "10.50", "USD", "10.50"),
    ("uk", "1 500,50", "UAH", "1500.50"),
    ("uk", f"2{NBSP}000{NBSP}000,01", "UAH", "2000000.01"),
    ("uk", "0,5", "UAH", "0.50"),
    ("uk", "2 000,000", "UAH", "2000.00"),  # spaces group, so the comma is the decimal one
    ("en", "1,500", "JPY", None),  # refused below: JPY has no decimals, still two readings
    ("en", "0.00012", "BTC", "0.00012000"),
]

# (locale, typed, currency, words the message must contain)
REFUSED = [
    ("en", "1,000", "USD", ["could mean 1000.00 or 1.00", "“.”"]),
    ("en", "1.500", "USD", ["could mean 1500.00 or 1.50"]),
    ("en", "1,500", "JPY", ["could mean 1500 or 1.5"]),
    ("ru", "1,000", "RUB", ["может означать 1000,00 или 1,00", "«,»"]),
    ("ru", "1.500", "RUB", ["1500,00", "1,50"]),
    ("uk", "1,000", "UAH", ["може означати 1000,00 або 1,00"]),
    ("en", "1,00,000", "USD", ["1,500.50"]),  # groups of three only; the example helps
    ("ru", "1 50,5", "RUB", ["1 500,50"]),
    ("uk", "1.000,000.5", "UAH", ["1 500,50"]),
    ("en", "12ab", "USD", ["for example 1,500.50"]),
]


@pytest.mark.parametrize(("locale", "text", "currency", "expected"),
                         [case for case in ACCEPTED if case[3] is not None])
def test_amount_tables_accept(app: Flask, locale: str, text: str, currency: str,
                              expected: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert parse_amount(text, currency) == Decimal(expected)


@pytest.mark.parametrize(("locale", "text", "currency", "words"), REFUSED)
def test_amount_tables_refuse_with_both_readings(app: Flask, locale: str, text: str,
                                                 currency: str, words: list[str]) -> None:
    with app.test_request_context(), force_locale(locale):
        with pytest.raises(AmountError) as caught:
            parse_amount(text, currency)
        message = str(caught.value.message).replace(NBSP, " ")
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(("locale", "currency", "example"), [
    ("en", "USD", "1,500.50"), ("ru", "RUB", "1 500,50"), ("uk", "UAH", "1 500,50"),
    ("en", "JPY", "1,500"), ("ru", "BTC", "1 500,50000000"),
])
def test_hint_example_in_the_locale(app: Flask, locale: str, currency: str,
                                    example: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert amount_example(currency).replace(NBSP, " ") == example


@pytest.mark.parametrize(("language", "example"), [
    ("en", "1,500.50"), ("ru", "1 500,50"), ("uk", "1 500,50")])
def test_new_payout_hint_shows_the_locale_example(operator_client, language: str,
                                                  example: str) -> None:
    html = operator_client.get("/payouts/new",
                               headers={"Accept-Language": language}).get_data(as_text=True)
    hint = html[html.index('id="amount-hint"'):]
    assert example in hint[:200].replace(NBSP, " ").replace("&nbsp;", " ")
    assert "10.50" not in hint[:200]


@pytest.mark.parametrize(("query", "expected"), [
    ("amount_min=1 500,50", Decimal("1500.50")),
    ("amount_min=1,500.50", Decimal("1500.50")),
    (f"amount_min=1{NBSP}000", Decimal(1000)),
])
def test_list_filter_reads_amounts_by_the_same_rule(app: Flask, query: str,
                                                    expected: Decimal) -> None:
    from werkzeug.datastructures import MultiDict
    key, value = query.split("=")
    with app.test_request_context():
        form = PayoutFilterForm.from_args(MultiDict({key: value}))
        assert not form.errors
        assert form.filters().amount_min == expected


def test_list_filter_refuses_an_ambiguous_amount(app: Flask) -> None:
    from werkzeug.datastructures import MultiDict
    with app.test_request_context():
        form = PayoutFilterForm.from_args(MultiDict({"amount_min": "1,000"}))
        assert "could mean 1000.00 or 1.00" in " ".join(form.errors["amount_min"])


# Batch cells: a file has no language, so the same rule reads every cell alike.
BATCH_CELLS = [
    ("1 500,50", "1500.50"), (f"1{NBSP}500,50", "1500.50"), ("1,500.50", "1500.50"),
    ("1500.5", "1500.50"), ("12,5", "12.50"), ("1,000", None), ("1.500", None),
    ("1,00,000", None),
]


@pytest.mark.parametrize(("cell", "expected"), BATCH_CELLS)
def test_batch_cells_follow_the_same_rule(app: Flask, sandbox, cell: str,
                                          expected: str | None) -> None:
    from tests.batches.conftest import service
    from webapp.batches.validation import validate_rows

    with app.test_request_context():
        report = validate_rows(service(), [{"account": "777", "amount": cell}], "en")
    [row] = report.rows
    if expected is None:
        assert not row.valid and row.errors[0]["column"] == "amount"
        message = row.errors[0]["message"]
        assert "could mean" in message or "grouped by three" in message
    else:
        assert row.valid and row.amount == Decimal(expected)
