"""The cached formatters (webapp/formatters.py) write exactly what Babel writes, for every
language we ship and a few with unusual grouping or digits, over many amounts and moments."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import get_currency_symbol, parse_pattern

from webapp.formatters import datetime_format, money_format
from webapp.payout_core.money import currency_precision

LANGUAGES = ("en", "ru", "uk", "de_CH", "hi", "ar", "ja")
CURRENCIES = ("USD", "EUR", "UAH", "KZT", "JPY", "BTC", "USDT", "INR", "CHF", "XYZ")


def babel_money(amount: Decimal, currency: str, language: str) -> str:
    """What the desk wrote before the cache: Babel's pattern, the currency's own decimals."""
    locale = Locale.parse(language)
    digits = currency_precision(currency)
    try:
        known = get_currency_symbol(currency, locale) != currency
    except Exception:
        known = False
    source = locale.currency_formats["standard"] if known else locale.decimal_formats[None]
    pattern = copy.copy(parse_pattern(source.pattern))
    pattern.frac_prec = (digits, digits)
    if known:
        return pattern.apply(amount, locale, currency=currency, currency_digits=False)
    return f"{pattern.apply(amount, locale)}\u00a0{currency}"


def amounts(seed: int) -> list[Decimal]:
    rng = random.Random(seed)
    values = [Decimal("0"), Decimal("0.005"), Decimal("0.015"), Decimal("999.995"),
              Decimal("1000"), Decimal("123456789012345.12345678")]
    for _ in range(150):
        whole = rng.randrange(0, 10 ** rng.randrange(1, 16))
        values.append(Decimal(whole) / Decimal(10 ** rng.randrange(0, 9)))
    return values + [-v for v in values[:20]]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_money_is_written_as_babel_writes_it(language, currency):
    formatter = money_format(language, currency, currency_precision(currency))
    for amount in amounts(hash((language, currency)) & 0xFFFF):
        assert formatter(amount) == babel_money(amount, currency, language), amount


def test_the_plain_case_takes_the_fast_path():
    """Otherwise the cache would only be a slower way to call Babel."""
    for language in ("en", "ru", "uk"):
        for currency in ("USD", "UAH", "BTC"):
            assert money_format(language, currency, currency_precision(currency)).simple


@pytest.mark.parametrize("language", ("en", "ru", "uk", "ja"))
@pytest.mark.parametrize("zone", ("UTC", "Europe/Kyiv", "America/New_York", "Asia/Kolkata"))
@pytest.mark.parametrize("style", ("short", "medium", "long"))
def test_moments_are_written_as_babel_writes_them(language, zone, style):
    tz = ZoneInfo(zone)
    formatter = datetime_format(language, tz, style)
    rng = random.Random(7)
    moment = datetime(2025, 3, 1, tzinfo=UTC)  # across both daylight-saving changes
    for _ in range(400):
        moment += timedelta(seconds=rng.randrange(1, 90_000))
        assert formatter(moment) == format_datetime(moment, style, tzinfo=tz, locale=language)
        naive = moment.replace(tzinfo=None)  # SQLite's: UTC without a zone
        assert formatter(naive) == format_datetime(moment, style, tzinfo=tz, locale=language)
