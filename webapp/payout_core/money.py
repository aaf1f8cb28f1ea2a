"""Amounts as the operator types them, and the precision each currency allows.

Money is Decimal from the text up: never float. Parsing is strict on purpose (digits, one `.` or
`,` as the decimal separator, nothing else) so "1,000" can never silently mean one thousand in one
locale and one in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import UnknownCurrencyError, get_currency_precision
from flask_babel import lazy_gettext as _l

# Babel knows ISO 4217 only; it would give 2 decimals for these. The provider quotes them to 8.
CRYPTO_PRECISION = 8
CRYPTO_CURRENCIES = frozenset({"BTC", "ETH", "LTC", "USDT", "USDC", "BCH", "XRP", "DOGE", "TRX"})

MAX_INTEGER_DIGITS = 15  # a Numeric(28, 8) column holds 20; 15 is beyond any real payout
# ASCII digits only: Python's \d would also take other scripts' digits.
AMOUNT_TEXT = re.compile(rf"([0-9]{{1,{MAX_INTEGER_DIGITS}}})(?:[.,]([0-9]+))?")


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


def parse_amount(text: str | None, currency: str) -> Decimal:
    """`text` as a positive Decimal with no more decimals than `currency` allows."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise AmountError(_l("Enter an amount."))
    match = AMOUNT_TEXT.fullmatch(cleaned)
    if match is None:
        raise AmountError(_l("Enter the amount as digits, with a dot or comma before the cents."))
    whole, fraction = match.group(1), match.group(2) or ""
    precision = currency_precision(currency)
    if len(fraction.rstrip("0")) > precision:
        if precision == 0:
            raise AmountError(_l("This currency has no fractional units."))
        raise AmountError(
            _l("At most %(digits)s decimal places for this currency.", digits=precision)
        )
    value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    if value <= 0:
        raise AmountError(_l("The amount must be greater than zero."))
    return quantize(value, currency)


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
