"""The service list as an operator reads it, built for 40+ services: a human name (the payout
method's name and the currency) first, the provider's code as secondary text; a search over
names, codes and currencies; services outside the amount's limits kept in the list, disabled,
with their minimum and maximum; exchange rates rounded to six significant digits in the
operator's locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale

from webapp.payout_core.account_services import account_services
from webapp.payout_core.prerequest import MethodGroup, ServiceChoice
from webapp.provider.types import ServiceInfo

RATE_DIGITS = 6


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name: str  # method name · currency
    currency: str
    choice: ServiceChoice | None  # None: left out of the pre-request for this amount
    amount_min: Decimal | None
    amount_max: Decimal | None

    @property
    def selectable(self) -> bool:
        return self.choice is not None and self.choice.selectable

    @property
    def state(self) -> str:
        """available | unavailable | below | above | not_offered (for the words and badges)."""
        if self.choice is None:
            return "not_offered"
        if not self.choice.available:
            return "unavailable"
        if self.choice.limits.too_small:
            return "below"
        if self.choice.limits.too_large:
            return "above"
        return "available"

    def matches(self, query: str) -> bool:
        text = f"{self.name} {self.code} {self.currency}".casefold()
        return all(word in text for word in query.casefold().split())


@dataclass(frozen=True)
class ServiceList:
    rows: tuple[ServiceRow, ...]  # the rows the search keeps
    total: int
    query: str


def build_service_list(groups: list[MethodGroup], method_names: dict[str, str], query: str,
                       chosen: str | None) -> ServiceList:
    """Rows for the pre-request's services, then the account's other services of the same
    payout currency family that the pre-request left out (shown disabled, with limits)."""
    rows: list[ServiceRow] = []
    for group in groups:
        for choice in group.choices:
            service = choice.service
            rows.append(ServiceRow(service.code, _name(group.name, service.currency),
                                   service.currency, choice, service.amount_min,
                                   service.amount_max))
    listed = {row.code for row in rows}
    for info in _left_out(listed):
        method = info.method or ""
        name = method_names.get(method) or method.replace("_", " ").capitalize()
        rows.append(ServiceRow(info.service, _name(name,
                                                   info.service_currency or ""),
                               info.service_currency or "", None, info.amount_min,
                               info.amount_max))
    rows.sort(key=lambda r: (not r.selectable, r.name.casefold(), r.code))
    query = query.strip()[:100]
    kept = tuple(r for r in rows if not query or r.matches(query) or r.code == chosen)
    return ServiceList(kept, len(rows), query)


def _left_out(listed: set[str]) -> list[ServiceInfo]:
    services = account_services() or ()
    return [s for s in services if s.service not in listed and s.service_currency]


def _name(method: str, currency: str) -> str:
    return f"{method} · {currency}" if currency else method


def rate_text(rate: Decimal) -> str:
    """`rate` to six significant digits, written the locale's way (0.00945700 → 0.009457)."""
    if rate == 0:
        return "0"
    places = max(0, RATE_DIGITS - 1 - rate.adjusted())
    rounded = rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    decimals = max(0, -int(rounded.as_tuple().exponent))
    pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
    locale = get_locale()
    return format_decimal(rounded, format=pattern, locale=str(locale) if locale else "en")
