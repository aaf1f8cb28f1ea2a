"""Changes to the catalogue made behind the desk's back (`POST /_sandbox/services/<code>`):
a service withdrawn, made unavailable, given new limits or a moved exchange rate, so the
desk's pre-flight at approval can be shown to notice each of them over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from webapp.sandbox.catalogue import Service, convert, quantize
from webapp.sandbox.store import SandboxState

KNOWN = ("gone", "status", "amount_min", "amount_max", "rate_factor")


def effective(state: SandboxState, service: Service) -> Service | None:
    """The service as the provider offers it now; None when it was withdrawn."""
    with state.lock:
        changed = dict(state.service_overrides.get(service.code) or {})
    if changed.get("gone"):
        return None
    values = {k: changed[k] for k in ("status", "amount_min", "amount_max") if k in changed}
    return replace(service, **values) if values else service


def rate_and_amount(state: SandboxState, service: Service, amount: Decimal,
                    currency: str) -> tuple[Decimal, Decimal]:
    """(rate, converted amount), the rate multiplied by the service's `rate_factor`."""
    rate, converted = convert(amount, currency, service.currency)
    with state.lock:
        factor = (state.service_overrides.get(service.code) or {}).get("rate_factor")
    if factor is None:
        return rate, converted
    rate = (rate * Decimal(factor)).normalize()
    return rate, quantize(amount * rate, service.currency)


def fee_for(service: Service, amount: Decimal, currency: str) -> Decimal:
    """The fee the provider charges for `amount` (in the request's currency)."""
    _, fee_fix = convert(service.fee_fix, service.currency, currency)
    return quantize(amount * service.fee_rate / 100, currency) + fee_fix


def set_override(state: SandboxState, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge `changes` into the service's overrides ({} restores it); returns them."""
    with state.lock:
        current = state.service_overrides.setdefault(code, {})
        if not changes:
            current.clear()
        current.update(changes)
        return dict(current)
