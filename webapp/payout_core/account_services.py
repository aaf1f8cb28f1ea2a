"""The account's services from the private `/payout-services` list, cached for a few minutes:
which currencies the operator can pay in, and the limits of services the pre-request leaves out
for an amount (so the list can show them disabled with their minimum and maximum).

If the provider cannot be asked, the configured `PAYOUT_CURRENCIES` (or the built-in list) is
offered and nothing else changes: the pre-request still decides what can be paid.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app

from webapp.payout_core.gateway import provider_client
from webapp.provider.errors import ProviderError
from webapp.provider.types import ServiceInfo

log = logging.getLogger(__name__)

FALLBACK_CURRENCIES = ("USD", "EUR", "GBP", "UAH", "RUB", "KZT", "JPY", "BTC")
TTL_SECONDS = 300.0
FAILURE_TTL_SECONDS = 30.0  # after a failure, do not ask on every page view
MAX_SERVICES = 2000  # a bound on what one cache entry may hold


@dataclass
class _Entry:
    stored_at: float
    ttl: float
    services: tuple[ServiceInfo, ...] | None  # None: the provider could not be asked


_lock = threading.Lock()


def account_services() -> tuple[ServiceInfo, ...] | None:
    """The account's enabled services, or None when the provider did not answer."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        entry: _Entry | None = app.extensions.get("payouts_account_services")
        if entry is not None and time.monotonic() - entry.stored_at < entry.ttl:
            return entry.services
    try:
        listed = provider_client().list_services()
        services: tuple[ServiceInfo, ...] | None = tuple(
            s for s in listed[:MAX_SERVICES] if s.enabled)
        ttl = float(app.config.get("PAYOUT_SERVICES_TTL", TTL_SECONDS))
    except ProviderError as exc:
        log.warning("Listing the account's payout services failed (%s): %s",
                    type(exc).__name__, exc.message)
        services, ttl = None, FAILURE_TTL_SECONDS
    with _lock:
        app.extensions["payouts_account_services"] = _Entry(time.monotonic(), ttl, services)
    return services


def clear_account_services() -> None:
    current_app.extensions.pop("payouts_account_services", None)


def payout_currencies() -> list[str]:
    """Currencies to offer: the account's and its services' currencies, else the configured
    list. A stable order, so nothing moves between visits."""
    services = account_services()
    found = set()
    for service in services or ():
        for code in (service.currency, service.service_currency):
            if code and code.isalnum() and len(code) <= 8:
                found.add(code.upper())
    configured = list(current_app.config.get("PAYOUT_CURRENCIES") or FALLBACK_CURRENCIES)
    if not found:
        return configured
    # The configured order first (the first is the form's default), then the rest A–Z.
    return [c for c in configured if c in found] + sorted(found - set(configured))


def service_limits(code: str) -> ServiceInfo | None:
    """The account's settings of service `code`, if the list names it."""
    return next((s for s in account_services() or () if s.service == code), None)
