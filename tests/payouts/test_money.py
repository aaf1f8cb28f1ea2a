"""Amounts typed by the operator: the reading rule, the currency's precision, service limits.
The per-locale tables (grouping, ambiguous texts, messages) are in test_amount_locales.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask

from webapp.payout_core.money import AmountError, check_limits, currency_precision, parse_amount


@pytest.mark.parametrize(("currency", "digits"), [
    ("USD", 2), ("EUR", 2), ("UAH", 2), ("JPY", 0), ("KWD", 3),
    ("BTC", 8), ("ETH", 8), ("USDT", 8), ("LTC", 8), ("btc", 8),
])
def test_currency_precision(currency: str, digits: int) -> None:
    assert currency_precision(currency) == digits


@pytest.mark.parametrize(("text", "currency", "expected"), [
    ("10", "USD", Decimal("10.00")),
    ("10.5", "USD", Decimal("10.50")),
    ("10,55", "EUR", Decimal("10.55")),
    (" 7.10 ", "USD", Decimal("7.10")),
    ("10.0000", "USD", Decimal("10.00")),  # trailing zeros add no precision
    ("1 234,56", "USD", Decimal("1234.56")),
    ("1,234.56", "USD", Decimal("1234.56")),
    ("1500", "JPY", Decimal(1500)),
    ("0.00012345", "BTC", Decimal("0.00012345")),
    ("0.001", "KWD", Decimal("0.001")),
    ("000012", "USD", Decimal("12.00")),
])
def test_parse_amount_accepts(app: Flask, text: str, currency: str, expected: Decimal) -> None:
    value = parse_amount(text, currency)
    assert value == expected
    assert value.as_tuple().exponent == -currency_precision(currency)


@pytest.mark.parametrize(("text", "currency", "message"), [
    ("", "USD", "Enter an amount"),
    ("   ", "USD", "Enter an amount"),
    ("abc", "USD", "digits"),
    ("1,000", "USD", "could mean 1000.00 or 1.00"),  # never silently the smaller
    ("1,23,456", "USD", "grouped by three"),
    ("-5", "USD", "digits"),
    ("1e3", "USD", "digits"),
    ("10.", "USD", "digits"),
    (".5", "USD", "digits"),
    ("١٠", "USD", "digits"),  # Arabic-Indic digits are not ASCII digits
    ("1" * 16, "USD", "too large"),
    ("10.1234", "USD", "2 decimal"),
    ("10.123", "USD", "could mean 10123.00 or 10.123"),
    ("0.000000001", "BTC", "8 decimal"),
    ("10.5", "JPY", "no fractional"),
    ("0", "USD", "greater than zero"),
    ("0.00", "USD", "greater than zero"),
])
def test_parse_amount_rejects(app: Flask, text: str, currency: str, message: str) -> None:
    with app.test_request_context():
        with pytest.raises(AmountError) as caught:
            parse_amount(text, currency)
        assert message in str(caught.value.message)


@pytest.mark.parametrize(("amount", "currency", "rate", "low", "high", "converted", "fits"), [
    ("10.00", "USD", None, "0.01", "9999999", "10.00", True),
    ("10.00", "UAH", "41.5", "10.00", "150000.00", "415.00", True),
    ("0.20", "UAH", "41.5", "10.00", "150000.00", "8.30", False),  # below, after conversion
    ("10.00", "BTC", "0.000016", "0.0001", "5", "0.00016000", True),
    ("5.00", "BTC", "0.000016", "0.0001", "5", "0.00008000", False),
    ("10.00", "JPY", "150", "100", "10000000", "1500", True),
    ("0.01", "JPY", "150", "100", "10000000", "2", False),  # 1.5 rounds half up to 2
    ("100.00", "EUR", "0", "1", "50", "100.00", False),  # a zero rate is treated as 1: too large
])
def test_check_limits(amount: str, currency: str, rate: str | None, low: str, high: str,
                      converted: str, fits: bool) -> None:
    check = check_limits(Decimal(amount), currency, Decimal(rate) if rate else None,
                         Decimal(low), Decimal(high))
    assert check.service_amount == Decimal(converted)
    assert str(check.service_amount) == converted
    assert check.fits is fits


def test_limits_are_inclusive() -> None:
    assert check_limits(Decimal("10"), "USD", None, Decimal("10"), Decimal("10")).fits
    check = check_limits(Decimal("10.01"), "USD", None, Decimal("10"), Decimal("10"))
    assert check.too_large and not check.too_small
    check = check_limits(Decimal("9.99"), "USD", None, Decimal("10"), None)
    assert check.too_small and not check.fits
