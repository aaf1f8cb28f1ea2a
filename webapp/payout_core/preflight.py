"""Pre-flight at approval: ask the provider again, just before the process call, whether the
payout can still go out as the operator saw it.

The manager approves what was quoted hours ago; since then the service may have been withdrawn
or made unavailable, its limits may have moved past the amount, or its exchange rate may have
moved. The pre-request is re-run fresh (never from the cache) for the payout's currency and
amount, and the quote at creation is set beside the quote now. Any cause refuses the approval;
a pre-request that cannot be read refuses too (fail closed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from flask import current_app

from webapp.payout_core.failures import Failure, failure_of
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.money import check_limits
from webapp.payout_core.prerequest import AVAILABLE_STATUSES
from webapp.provider.errors import ProviderError
from webapp.provider.types import PayoutService
from webapp.provider.values import to_decimal

DEFAULT_TOLERANCE_PERCENT = Decimal(1)


class Quoted(Protocol):
    """What was quoted to the operator: a payout, or one amount of a batch (`BatchAmount`)."""

    @property
    def currency(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def service_code(self) -> str: ...
    @property
    def service_snapshot(self) -> dict[str, Any]: ...
    @property
    def provider_payload(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class BatchAmount:
    """One amount of a batch's rows, under the service as it was quoted at upload (a batch's
    invoices are created only after its approval, so there is no invoice answer yet)."""

    currency: str
    amount: Decimal
    service_code: str
    service_snapshot: dict[str, Any]
    provider_payload: dict[str, Any] | None = None


class Cause(enum.StrEnum):
    NO_ANSWER = "no_answer"  # the pre-request failed: nothing can be confirmed
    GONE = "gone"  # the provider no longer offers the service
    UNAVAILABLE = "unavailable"  # offered, but not available now
    OUT_OF_LIMITS = "out_of_limits"  # the amount is outside the service's limits now
    RATE_MOVED = "rate_moved"  # the exchange rate moved beyond the tolerance


@dataclass(frozen=True)
class Quote:
    """Rate, fee and what the recipient gets (in the service's currency)."""

    rate: Decimal | None
    fee: Decimal | None
    recipient_gets: Decimal | None
    service_currency: str
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    status: str | None = None


@dataclass(frozen=True)
class Preflight:
    then: Quote
    now: Quote | None
    cause: Cause | None = None
    moved_percent: Decimal | None = None
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.cause is None

    def params(self) -> dict[str, Any]:
        """Codes and values for the timeline and the audit log (never a sentence)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        now = self.now
        return {
            "cause": self.cause.value if self.cause else None,
            "rate_then": text(self.then.rate), "rate_now": text(now.rate) if now else None,
            "gets_then": text(self.then.recipient_gets),
            "gets_now": text(now.recipient_gets) if now else None,
            "amount_min": text(now.amount_min) if now else None,
            "amount_max": text(now.amount_max) if now else None,
            "service_currency": self.then.service_currency,
            "moved_percent": text(self.moved_percent),
            "tolerance_percent": text(self.tolerance_percent),
            "service_status": now.status if now else None,
        }


def tolerance() -> Decimal:
    """`PREFLIGHT_RATE_TOLERANCE_PERCENT`: how far the rate may move (in percent)."""
    raw = current_app.config.get("PREFLIGHT_RATE_TOLERANCE_PERCENT")
    return DEFAULT_TOLERANCE_PERCENT if raw in (None, "") else Decimal(str(raw))


def _number(value: Any) -> Decimal | None:
    try:
        return to_decimal(value)
    except (ArithmeticError, ValueError):  # a stored payload we cannot read: "not known"
        return None


def quote_at_creation(payout: Quoted) -> Quote:
    """What was quoted when the payout was created: the provider's invoice answer first (it
    holds the fee), the service as the operator saw it otherwise."""
    snapshot = PayoutService.from_snapshot(payout.service_snapshot)
    payload = payout.provider_payload or {}
    attrs = payload.get("attributes") if isinstance(payload.get("attributes"), dict) else payload
    rate = _number(attrs.get("exchange_rate")) or snapshot.exchange_rate
    gets = _number(attrs.get("service_amount")) or snapshot.amount
    if gets is None:
        gets = check_limits(payout.amount, snapshot.currency, rate, None, None).service_amount
    fee = _number(attrs.get("fee"))
    return Quote(rate=rate, fee=fee if fee is not None else snapshot.fee, recipient_gets=gets,
                 service_currency=snapshot.currency, amount_min=snapshot.amount_min,
                 amount_max=snapshot.amount_max, status=snapshot.status)


def _quote_now(payout: Quoted, service: PayoutService) -> Quote:
    limits = check_limits(payout.amount, service.currency, service.exchange_rate,
                          service.amount_min, service.amount_max)
    return Quote(rate=service.exchange_rate, fee=service.fee,
                 recipient_gets=service.amount if service.amount is not None
                 else limits.service_amount,
                 service_currency=service.currency, amount_min=service.amount_min,
                 amount_max=service.amount_max, status=service.status)


def _moved(then: Decimal | None, now: Decimal | None) -> Decimal | None:
    if then is None or now is None or then == 0:
        return None
    return (abs(now - then) / then * 100).quantize(Decimal("0.01"))


def _absent(payout: Quoted, then: Quote, limit: Decimal) -> Preflight:
    """The pre-request no longer lists the service: the account's service list tells whether
    it is gone, unavailable, or only filtered out by its limits."""
    try:
        found = provider_client().get_service(payout.service_code)
    except ProviderError:
        found = None
    if found is None:
        return Preflight(then, None, Cause.GONE, tolerance_percent=limit)
    now = Quote(rate=then.rate, fee=None, recipient_gets=then.recipient_gets,
                service_currency=found.service_currency or then.service_currency,
                amount_min=found.amount_min, amount_max=found.amount_max,
                status="available" if found.available else "unavailable")
    if not (found.available and found.active and found.enabled):
        return Preflight(then, now, Cause.UNAVAILABLE, tolerance_percent=limit)
    limits = check_limits(payout.amount, now.service_currency, then.rate,
                          found.amount_min, found.amount_max)
    if not limits.fits:
        return Preflight(then, now, Cause.OUT_OF_LIMITS, tolerance_percent=limit)
    return Preflight(then, now, Cause.GONE, tolerance_percent=limit)


def check(payout: Quoted) -> Preflight:
    """The payout's quote then and now, and the first cause that forbids paying it now."""
    then = quote_at_creation(payout)
    limit = tolerance()
    try:
        answer = provider_client().prerequest(payout.currency, payout.amount)
    except ProviderError as exc:
        return Preflight(then, None, Cause.NO_ANSWER, tolerance_percent=limit,
                         failure=failure_of(exc))
    service = answer.service(payout.service_code)
    if service is None:
        return _absent(payout, then, limit)
    now = _quote_now(payout, service)
    moved = _moved(then.rate, now.rate)
    if service.status not in AVAILABLE_STATUSES:
        return Preflight(then, now, Cause.UNAVAILABLE, moved, limit)
    limits = check_limits(payout.amount, service.currency, service.exchange_rate,
                          service.amount_min, service.amount_max)
    if not limits.fits:
        return Preflight(then, now, Cause.OUT_OF_LIMITS, moved, limit)
    if moved is not None and moved > limit:
        return Preflight(then, now, Cause.RATE_MOVED, moved, limit)
    return Preflight(then, now, None, moved, limit)
