"""Typed results of provider calls. Amounts are Decimal; unknown keys are ignored; `raw` keeps
what the provider sent so nothing is lost when we store it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

LANGUAGE_FALLBACK = ("en",)


def pick_language(texts: dict[str, str] | str | None, language: str, default: str) -> str:
    """The text in `language`, else English, else any language present, else `default`."""
    if isinstance(texts, str):
        return texts or default
    if not texts:
        return default
    for lang in (language, *LANGUAGE_FALLBACK):
        value = texts.get(lang)
        if isinstance(value, str) and value.strip():
            return value
    for value in texts.values():
        if isinstance(value, str) and value.strip():
            return value
    return default


@dataclass(frozen=True)
class ServiceField:
    """One recipient input a service asks for. `regexp` is already unescaped once (the provider
    double-escapes): it is the pattern to apply with PCRE `preg_match` semantics."""

    key: str
    type: str = "string"
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    example: str | None = None
    regexp: str | None = None
    required: bool = False
    position: int = 0  # `position` in the spec, `weight` in the live API
    order: int = 0  # index in the list as received; ties on position keep this order

    def label_for(self, language: str) -> str:
        return pick_language(self.label, language, self.key)

    def hint_for(self, language: str) -> str:
        return pick_language(self.hint, language, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "type": self.type, "label": dict(self.label),
            "hint": dict(self.hint), "example": self.example, "regexp": self.regexp,
            "required": self.required, "position": self.position, "order": self.order,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceField:
        return cls(
            key=data["key"], type=data.get("type") or "string",
            label=dict(data.get("label") or {}), hint=dict(data.get("hint") or {}),
            example=data.get("example"), regexp=data.get("regexp"),
            required=bool(data.get("required")), position=int(data.get("position") or 0),
            order=int(data.get("order") or 0),
        )


@dataclass(frozen=True)
class PayoutMethod:
    code: str
    name: dict[str, str] = field(default_factory=dict)  # a plain string becomes {"en": name}
    category: str | None = None
    logo: str | None = None
    icon: str | None = None

    def name_for(self, language: str) -> str:
        return pick_language(self.name, language, self.code)


@dataclass(frozen=True)
class PayoutService:
    """A service from the pre-request. `fields` are sorted by (position, order)."""

    code: str
    method: str | None
    currency: str
    fields: tuple[ServiceField, ...] = ()
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    exchange_rate: Decimal | None = None
    amount: Decimal | None = None  # the amount in the service's currency, when given
    fee: Decimal | None = None
    status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_snapshot(self) -> dict[str, Any]:
        """JSON-safe copy stored with a payout (Decimals as strings)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "code": self.code, "method": self.method, "currency": self.currency,
            "fields": [f.to_dict() for f in self.fields],
            "amount_min": text(self.amount_min), "amount_max": text(self.amount_max),
            "exchange_rate": text(self.exchange_rate), "amount": text(self.amount),
            "fee": text(self.fee), "status": self.status,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> PayoutService:
        def number(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return cls(
            code=data["code"], method=data.get("method"), currency=data["currency"],
            fields=tuple(ServiceField.from_dict(f) for f in data.get("fields") or []),
            amount_min=number(data.get("amount_min")), amount_max=number(data.get("amount_max")),
            exchange_rate=number(data.get("exchange_rate")), amount=number(data.get("amount")),
            fee=number(data.get("fee")), status=data.get("status"),
        )


@dataclass(frozen=True)
class Prerequest:
    currency: str
    amount: Decimal | None
    test_mode: bool | None
    services: tuple[PayoutService, ...]
    methods: dict[str, PayoutMethod]
    account: dict[str, Any] | None = None

    def service(self, code: str) -> PayoutService | None:
        return next((s for s in self.services if s.code == code), None)


@dataclass(frozen=True)
class ServiceInfo:
    """A row of the private `/payout-services` list (account-level service settings)."""

    id: str
    service: str
    method: str | None
    service_currency: str | None
    currency: str | None
    available: bool
    active: bool
    enabled: bool
    amount_min: Decimal | None
    amount_max: Decimal | None
    fee_min: Decimal | None = None
    fee_max: Decimal | None = None
    fee_rate: Decimal | None = None
    fee_fix: Decimal | None = None
    test_mode: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Customer:
    reference_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class InvoiceRequest:
    """What `create_invoice` sends. `auto_process` stays False: a manager approves first."""

    reference_id: str
    service: str
    currency: str
    amount: Decimal
    fields: dict[str, str]
    callback_url: str | None = None
    description: str | None = None
    customer: Customer | None = None
    metadata: dict[str, str] | None = None
    auto_process: bool = False


@dataclass(frozen=True)
class Invoice:
    """A payout invoice, from either the private (JSON:API) or the public (flat) view."""

    id: str
    status: str
    resolution: str | None
    amount: Decimal | None
    currency: str | None
    reference_id: str | None = None
    service: str | None = None
    service_method: str | None = None
    payout_amount: Decimal | None = None
    processed_amount: Decimal | None = None
    fee: Decimal | None = None
    created: int | None = None
    updated: int | None = None
    processed: int | None = None
    test_mode: bool | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class InvoicePage:
    invoices: tuple[Invoice, ...]
    count: int | None = None
    size: int | None = None
    before: str | None = None  # cursors as given in `meta`
    after: str | None = None
    has_next: bool | None = None  # `links.next` given and not empty (None: no `links`)
