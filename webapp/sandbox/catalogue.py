"""The sandbox's service catalogue types, exchange rates and amount conversion.

Limits (`amount_min`/`amount_max`) are in the service's own currency, as at the provider, so an
amount asked in another currency is converted with a fixed rate before it is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

# How many units of each currency one US dollar buys: a fixed table so tests are repeatable.
PER_USD: dict[str, Decimal] = {
    "USD": Decimal(1),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "UAH": Decimal("41.50"),
    "RUB": Decimal("92.00"),
    "KZT": Decimal("480"),
    "JPY": Decimal("150"),
    "BTC": Decimal("0.000016"),
}

# Decimal places each currency is counted in.
PRECISION: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "UAH": 2, "RUB": 2, "KZT": 2, "JPY": 0, "BTC": 8,
}

_RATE_CONTEXT = Context(prec=10)


def texts(en: str, ru: str | None = None, uk: str | None = None) -> dict[str, str]:
    """A label in the provider's language order (ru, en, uk); a missing language is left out,
    which is how the provider ships untranslated labels."""
    found = {"ru": ru, "en": en, "uk": uk}
    return {lang: text for lang, text in found.items() if text is not None}


@dataclass(frozen=True)
class Field:
    """One recipient input. `regexp` is the real pattern (escaped twice only on output)."""

    key: str
    label: dict[str, str]
    hint: dict[str, str] = field(default_factory=dict)
    regexp: str | None = None
    required: bool = False
    order: int = 0
    example: str | None = None
    type: str = "string"


@dataclass(frozen=True)
class Service:
    code: str
    method: str
    currency: str
    amount_min: Decimal
    amount_max: Decimal
    fields: tuple[Field, ...] = ()
    order_key: str = "position"  # the spec says `position`; the live API says `weight`
    status: str = "available"
    fee_rate: Decimal = Decimal(0)
    fee_fix: Decimal = Decimal(0)

    @property
    def precision(self) -> int:
        return PRECISION[self.currency]


@dataclass(frozen=True)
class Method:
    code: str
    name: dict[str, str] | str  # the live API sends some names as a plain string
    category: str
    extra: dict[str, Any] = field(default_factory=dict)


def known_currency(code: object) -> bool:
    return isinstance(code, str) and code in PER_USD


def exchange_rate(source: str, target: str) -> Decimal:
    """Units of `target` per unit of `source`, to ten significant digits."""
    if source == target:
        return Decimal(1)
    return _RATE_CONTEXT.divide(PER_USD[target], PER_USD[source]).normalize()


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-PRECISION[currency]), rounding=ROUND_HALF_UP)


def convert(amount: Decimal, source: str, target: str) -> tuple[Decimal, Decimal]:
    """(rate, amount in `target` rounded to its precision)."""
    rate = exchange_rate(source, target)
    return rate, quantize(amount * rate, target)


def fits(service: Service, amount: Decimal, currency: str) -> bool:
    """Whether `amount` in `currency` lies within the service's limits after conversion."""
    _, converted = convert(amount, currency, service.currency)
    return service.amount_min <= converted <= service.amount_max


def money_text(amount: Decimal, places: int) -> str:
    """Fixed-point text without exponent: '10.00', '0.00001000', '1500'."""
    return format(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
