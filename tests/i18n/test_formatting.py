"""Money, dates and plurals as each locale writes them, with each currency's own precision."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale, ngettext

from webapp.formatting import format_money, format_when

NBSP = "\u00a0"
NNBSP = "\u202f"


def _plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.mark.parametrize(("language", "amount", "currency", "expected"), [
    ("en", "1234.5", "USD", "$1,234.50"),
    ("ru", "1234.5", "USD", "1 234,50 $"),
    ("uk", "1234.5", "UAH", "1 234,50 ₴"),
    ("en", "1234", "JPY", "¥1,234"),
    ("ru", "1234", "JPY", "1 234 ¥"),
    ("en", "0.00012345", "BTC", "0.00012345 BTC"),
    ("uk", "0.00012345", "BTC", "0,00012345 BTC"),
    ("en", "10", "KZT", "10.00 KZT"),
])
def test_money_keeps_the_currency_precision_in_each_locale(app, language, amount, currency,
                                                           expected):
    with app.test_request_context(), force_locale(language):
        assert _plain(format_money(Decimal(amount), currency)) == expected


@pytest.mark.parametrize(("language", "forms"), [
    ("uk", {1: "1 виплата", 2: "2 виплати", 5: "5 виплат", 21: "21 виплата", 11: "11 виплат"}),
    ("ru", {1: "1 выплата", 2: "2 выплаты", 5: "5 выплат", 22: "22 выплаты", 12: "12 выплат"}),
    ("en", {1: "1 payout", 2: "2 payouts", 5: "5 payouts"}),
])
def test_plural_forms_follow_each_language(app, language, forms):
    with app.test_request_context(), force_locale(language):
        for count, expected in forms.items():
            assert ngettext("%(num)s payout", "%(num)s payouts", count) == expected


@pytest.mark.parametrize(("language", "month"), [("en", "Mar"), ("ru", "мар"), ("uk", "бер")])
def test_dates_are_written_in_the_locale(app, language, month):
    moment = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
    with app.test_request_context(), force_locale(language):
        text = format_when(moment)
    assert month in text and "2026" in text
