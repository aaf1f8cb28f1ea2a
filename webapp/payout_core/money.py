"""Amounts as the operator types them, and the precision each currency allows.

Money is Decimal from the text up: never float. One reading rule for forms, batch files and list
filters, whatever the page's language: digits, optionally grouped in threes by spaces (also
no-break and narrow no-break), commas or dots, and one decimal separator (`.` or `,`).
"1,500.50" and "1 500,50" both mean fifteen hundred and a half. A text two readings could take
differently ("1,000": one thousand, or one with three decimals) is refused with both readings,
never silently the smaller one. The page's locale only decides how numbers are shown back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import (
    UnknownCurrencyError,
    format_decimal,
    get_currency_precision,
    get_decimal_symbol,
)
from flask_babel import get_locale

from webapp.lazy_text import lazy_gettext as _l

# Babel knows ISO 4217 only; it would give 2 decimals for these. The provider quotes them to 8.
CRYPTO_PRECISION = 8
CRYPTO_CURRENCIES = frozenset({"BTC", "ETH", "LTC", "USDT", "USDC", "BCH", "XRP", "DOGE", "TRX"})

MAX_INTEGER_DIGITS = 15  # a Numeric(28, 8) column holds 20; 15 is beyond any real payout
SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (ru/uk groups)
# ASCII digits only: Python's \d would also take other scripts' digits.
_SHAPE = re.compile(rf"[0-9][0-9{SPACES},.]*")
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?P<sep>[ ,.])[0-9]{3})(?:(?P=sep)[0-9]{3})*")


class AmountError(ValueError):
    """The text is not an amount we accept; `message` is a lazy, translatable explanation."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def currency_precision(currency: str) -> int:
    """Decimals allowed in `currency`: ISO digits from Babel, 8 for the crypto codes it lacks."""
    code = (currency or "").upper()
    if code in CRYPTO_CURRENCIES:
        return CRYPTO_PRECISION
    try:
        return int(get_currency_precision(code))
    except (UnknownCurrencyError, ValueError):  # pragma: no cover - Babel defaults to 2 today
        return 2


def _locale_name() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside an app or request
        locale = None
    return str(locale) if locale is not None else "en"


def _whole(text: str) -> str | None:
    """Digits of an integer part, grouped consistently in threes or not grouped; else None."""
    if text.isdigit():
        return text
    if _GROUPED.fullmatch(text) is None or text.startswith("0"):
        return None
    return re.sub(r"[ ,.]", "", text)


def _readings(text: str) -> list[Decimal]:
    """Every value `text` can mean under the rule (several when ambiguous, none if invalid)."""
    text = re.sub(f"[{SPACES}]", " ", text)
    candidates: list[Decimal] = []
    marks = [i for i, ch in enumerate(text) if ch in ",."]
    splits = [None] if not marks else [None, marks[-1]]
    for split in splits:  # no decimal separator, or the last mark is the decimal separator
        head, tail = (text, "") if split is None else (text[:split], text[split + 1:])
        if split is not None and (not tail.isdigit() or text[split] in head):
            continue  # the decimal separator appears once, after any group separator
        if split is not None and " " in tail:
            continue
        whole = _whole(head)
        if whole is None:
            continue
        candidates.append(Decimal(f"{whole}.{tail}" if tail else whole))
    return list(dict.fromkeys(candidates))


def amount_example(currency: str = "", locale: str | None = None) -> str:
    """1500.50 (or 1500 without decimals) written the way the operator's locale writes it."""
    precision = currency_precision(currency) if currency else 2
    value = Decimal("1500.50") if precision else Decimal(1500)
    return format_amount_text(value, precision, locale, grouped=True)


def format_amount_text(value: Decimal, precision: int, locale: str | None = None,
                       *, grouped: bool = False) -> str:
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * precision if precision else "")
    return format_decimal(value, format=pattern, locale=locale or _locale_name(),
                          decimal_quantization=False)


def parse_amount(text: str | None, currency: str) -> Decimal:
    """`text` as a positive Decimal with no more decimals than `currency` allows."""
    value = read_amount(text, currency)
    precision = currency_precision(currency)
    whole, _, fraction = format(value, "f").partition(".")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountError(_l("The amount is too large."))
    if len(fraction.rstrip("0")) > precision:
        if precision == 0:
            raise AmountError(_l("This currency has no fractional units."))
        raise AmountError(
            _l("At most %(digits)s decimal places for this currency.", digits=precision)
        )
    if value <= 0:
        raise AmountError(_l("The amount must be greater than zero."))
    return quantize(value, currency)


def read_amount(text: str | None, currency: str = "") -> Decimal:
    """The one value `text` means under the reading rule; AmountError when it means none or
    more than one (the message shows both readings)."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise AmountError(_l("Enter an amount."))
    if _SHAPE.fullmatch(cleaned) is None:
        raise AmountError(_l("Enter the amount as digits, for example %(example)s.",
                             example=amount_example(currency)))
    readings = _readings(cleaned)
    if not readings:
        raise AmountError(_l(
            "Enter the amount as digits, with thousands grouped by three, for example "
            "%(example)s.", example=amount_example(currency)))
    precision = currency_precision(currency) if currency else 2
    if len(readings) > 1:
        larger, smaller = max(readings), min(readings)
        raise AmountError(_l(
            "“%(text)s” could mean %(larger)s or %(smaller)s. Type it without thousands "
            "separators, with the decimal separator “%(decimal)s”, for example %(larger)s.",
            text=cleaned, larger=_shown(larger, precision), smaller=_shown(smaller, precision),
            decimal=get_decimal_symbol(_locale_name())))
    return readings[0]


def _shown(value: Decimal, precision: int) -> str:
    """A reading written ungrouped, with the currency's decimals (more if it has more)."""
    fraction = format(value.normalize(), "f").partition(".")[2]
    return format_amount_text(value, max(precision, len(fraction)))


def canonical_text(value: Decimal) -> str:
    """`value` as a text `parse_amount` reads one way only (for hidden fields and links):
    no grouping, a dot, and never exactly three decimals (which could read as a group)."""
    text = format(value.normalize(), "f")
    if len(text.partition(".")[2]) == 3:
        text += "0"
    return text


def quantize(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half-up to the currency's precision (the provider's usual rounding)."""
    exponent = Decimal(1).scaleb(-currency_precision(currency))
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LimitCheck:
    """Where an entered amount lands in a service's currency, and whether that fits its limits."""

    service_amount: Decimal
    service_currency: str
    amount_min: Decimal | None
    amount_max: Decimal | None

    @property
    def too_small(self) -> bool:
        return self.amount_min is not None and self.service_amount < self.amount_min

    @property
    def too_large(self) -> bool:
        return self.amount_max is not None and self.service_amount > self.amount_max

    @property
    def fits(self) -> bool:
        return not (self.too_small or self.too_large)


def check_limits(
    amount: Decimal,
    service_currency: str,
    exchange_rate: Decimal | None,
    amount_min: Decimal | None,
    amount_max: Decimal | None,
) -> LimitCheck:
    """Convert with the service's rate (missing or zero means 1) and compare with its limits,
    which the provider states in the service's currency."""
    rate = exchange_rate if exchange_rate else Decimal(1)
    converted = quantize(amount * rate, service_currency)
    return LimitCheck(converted, service_currency, amount_min, amount_max)
