"""Money and date formatters built once per locale (and currency, and time zone), not per value.

The payouts list formats an amount and a moment on each of its 50 rows. Babel re-reads the
locale's patterns, symbols and time zone on every call and Flask-Babel looks the locale up in
the request context each time: the profile of /payouts/ showed about a third of the page's time
there. The formatters below resolve all of that once and then format with plain string work.
They produce exactly what Babel produces (tests/i18n/test_formatters.py compares them over
every language, the currencies' precisions and many values); anything outside the plain case
(a negative amount, an exotic pattern) is handed to Babel itself.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import (
    NumberPattern,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)

# Memo sizes of one formatter: date parts (days) and clock parts (seconds of a day); a full
# memo starts again empty.
_DATE_MEMO = 1024
_TIME_MEMO = 4096
# Time-pattern fields whose output depends on the wall-clock hour, minute and second only.
_CLOCK_FIELDS = frozenset("hHkKmsaB")


@dataclass(frozen=True)
class MoneyFormat:
    """One (locale, currency, decimals): Babel's pattern with the symbols resolved."""

    locale: Locale
    currency: str
    digits: int
    pattern: NumberPattern
    symbol_known: bool
    prefix: str
    suffix: str
    decimal: str
    group: str
    primary: int
    secondary: int
    quantum: Decimal
    simple: bool

    def __call__(self, amount: Decimal) -> str:
        if self.simple and amount.is_finite() and not amount.is_signed():
            try:
                text = f"{amount.quantize(self.quantum, ROUND_HALF_EVEN):f}"
            except InvalidOperation:  # more digits than the context holds
                return self.slow(amount)
            whole, _sep, fraction = text.partition(".")
            number = _grouped(whole, self.group, self.primary, self.secondary)
            if fraction:
                number = f"{number}{self.decimal}{fraction}"
            return f"{self.prefix}{number}{self.suffix}"
        return self.slow(amount)

    def slow(self, amount: Decimal) -> str:
        """Babel's own formatting, for the cases the fast path does not cover."""
        if self.symbol_known:
            return self.pattern.apply(amount, self.locale, currency=self.currency,
                                      currency_digits=False)
        return f"{self.pattern.apply(amount, self.locale)}\u00a0{self.currency}"


def _grouped(whole: str, separator: str, primary: int, secondary: int) -> str:
    """Babel's grouping: the last `primary` digits, then groups of `secondary`."""
    size, groups = primary, ""
    while len(whole) > size:
        groups = f"{separator}{whole[-size:]}{groups}"
        whole = whole[:-size]
        size = secondary
    return whole + groups


@lru_cache(maxsize=512)
def money_format(locale_name: str, currency: str, digits: int) -> MoneyFormat:
    locale = Locale.parse(locale_name)
    try:
        symbol = get_currency_symbol(currency, locale)
    except Exception:
        symbol = currency
    symbol_known = symbol != currency
    source = locale.currency_formats["standard"] if symbol_known else locale.decimal_formats[None]
    pattern = copy.copy(parse_pattern(source.pattern))
    pattern.frac_prec = (digits, digits)
    prefix, suffix = pattern.prefix[0], pattern.suffix[0]
    # The plain case: one positive sub-pattern, no scaling or exponent, one integer digit, the
    # currency sign (if any) as its only placeholder.
    simple = (pattern.scale == 0 and not pattern.exp_prec and pattern.int_prec[0] == 1
              and "¤¤" not in prefix + suffix
              and not set(prefix + suffix) & set("%‰'"))
    if symbol_known:
        prefix, suffix = prefix.replace("¤", symbol), suffix.replace("¤", symbol)
    else:
        simple = simple and "¤" not in prefix + suffix
        suffix = f"{suffix}\u00a0{currency}"
    primary, secondary = pattern.grouping
    built = MoneyFormat(
        locale=locale, currency=currency, digits=digits, pattern=pattern,
        symbol_known=symbol_known, prefix=prefix, suffix=suffix,
        decimal=get_decimal_symbol(locale), group=get_group_symbol(locale),
        primary=primary, secondary=secondary,
        quantum=Decimal(1).scaleb(-digits), simple=simple,
    )
    if simple and any(built(probe) != built.slow(probe) for probe in _PROBES):
        # A locale Babel treats specially (currency-only separators, minimum grouping...):
        # Babel formats it every time.
        built = dataclasses.replace(built, simple=False)
    return built


# Amounts the fast path must write exactly as Babel does before it is trusted for a locale.
_PROBES = tuple(Decimal(text) for text in (
    "0", "0.5", "1", "12.345", "999.995", "1234.5", "12345.67", "123456.78", "1234567.891",
    "12345678901.23", "123456789012345.12345678", "0.00000001"))


class DateTimeFormat:
    """Babel's `format_datetime(moment, style)` for one locale and time zone, with the date and
    clock parts remembered (the rows of a page share their days; pages are viewed again and
    again, by htmx polling too)."""

    def __init__(self, locale_name: str, zone: tzinfo, style: str) -> None:
        self.locale = Locale.parse(locale_name)
        self.zone = zone
        self.date_pattern = parse_date_pattern(get_date_format(style, self.locale))
        self.time_pattern = parse_date_pattern(get_time_format(style, self.locale))
        self.joined = get_datetime_format(style, self.locale).replace("'", "")
        self.clock_only = _field_letters(self.time_pattern.pattern) <= _CLOCK_FIELDS
        self._dates: dict[date, str] = {}
        self._times: dict[tuple[int, int, int], str] = {}

    def __call__(self, moment: datetime) -> str:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self.zone)
        day = local.date()
        date_text = self._dates.get(day)
        if date_text is None:
            date_text = self.date_pattern.apply(local, self.locale)
            _remember(self._dates, day, date_text, _DATE_MEMO)
        if self.clock_only:
            clock = (local.hour, local.minute, local.second)
            time_text = self._times.get(clock)
            if time_text is None:
                time_text = self.time_pattern.apply(local, self.locale)
                _remember(self._times, clock, time_text, _TIME_MEMO)
        else:
            time_text = self.time_pattern.apply(local, self.locale)
        return self.joined.replace("{0}", time_text).replace("{1}", date_text)


def _field_letters(text: str) -> set[str]:
    """The field letters outside quotes of an LDML date pattern."""
    letters: set[str] = set()
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char.isalpha():
            letters.add(char)
    return letters


def _remember(memo: dict, key: Any, value: str, limit: int) -> None:
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value


@lru_cache(maxsize=32)  # (language, time zone, style) triples in use; ~0.5 MB each at most
def datetime_format(locale_name: str, zone: tzinfo, style: str = "medium") -> DateTimeFormat:
    return DateTimeFormat(locale_name, zone, style)
