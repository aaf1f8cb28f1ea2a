"""The services that fit a currency and amount: the provider's pre-request, cached briefly.

Typing an amount asks again after each pause, and a submit re-resolves the chosen service, so
answers are kept for up to a minute per (provider, currency, amount). The key is the exact
amount: the provider filters services by amount, so an answer for a neighbouring amount could
hide a service that fits this one; the services themselves are stored once for all amounts
(`prerequest_cache.py`), within a cap in bytes. Failures are never cached.

With REDIS_URL the answers are shared between processes too (shared_answers.py): a submit
landing on another gunicorn worker (or instance) than the page the operator just saw finds
the answer there instead of asking the provider again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from webapp.payout_core import shared_answers
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.money import LimitCheck, check_limits
from webapp.payout_core.prerequest_cache import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ENTRIES,
    PrerequestCache,
)
from webapp.provider.types import PayoutService, Prerequest

MAX_TTL_SECONDS = 60.0
AVAILABLE_STATUSES = frozenset({None, "", "available"})


def _cache() -> PrerequestCache:
    """One cache per app; `PAYOUTS_PREREQUEST_TTL` (seconds, at most 60) sets its lifetime,
    `PAYOUTS_PREREQUEST_CACHE_ENTRIES` and `_CACHE_BYTES` its bounds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("payouts_prerequest_cache")
    if cache is None:
        config = app.config
        ttl = min(float(config.get("PAYOUTS_PREREQUEST_TTL", MAX_TTL_SECONDS)), MAX_TTL_SECONDS)
        cache = app.extensions.setdefault("payouts_prerequest_cache", PrerequestCache(
            ttl,
            max_entries=int(config.get("PAYOUTS_PREREQUEST_CACHE_ENTRIES", DEFAULT_MAX_ENTRIES)),
            max_bytes=int(config.get("PAYOUTS_PREREQUEST_CACHE_BYTES", DEFAULT_MAX_BYTES)),
        ))
    return cache


def clear_cache() -> None:
    _cache().clear()


def fetch_prerequest(currency: str, amount: Decimal) -> Prerequest:
    """The pre-request answer; raises `webapp.provider.errors.ProviderError` on failure."""
    config = current_app.config
    key = (config["PAYMEGA_API_URL"], config["PAYMEGA_PUBLIC_KEY"], currency,
           format(amount.normalize(), "f"))
    cache = _cache()
    answer = cache.get(key)
    if answer is None:
        shared = shared_answers.for_app()
        answer = shared.get(key) if shared is not None else None
        if answer is None:
            raw, answer = provider_client().prerequest_answer(currency, amount)
            if shared is not None:
                shared.put(key, raw, cache.ttl)
        cache.put(key, answer)
    return answer


@dataclass(frozen=True)
class ServiceChoice:
    """A service as the operator sees it in the list."""

    service: PayoutService
    limits: LimitCheck

    @property
    def available(self) -> bool:
        return self.service.status in AVAILABLE_STATUSES

    @property
    def selectable(self) -> bool:
        return self.available and self.limits.fits


@dataclass(frozen=True)
class MethodGroup:
    code: str
    name: str
    choices: tuple[ServiceChoice, ...]


def group_services(answer: Prerequest, amount: Decimal, language: str) -> list[MethodGroup]:
    """Services grouped by payout method (in the provider's order), each with its limits checked
    against `amount` (the answer may be shared by another amount, so we check ourselves)."""
    groups: dict[str, list[ServiceChoice]] = {}
    for service in answer.services:
        limits = check_limits(amount, service.currency, service.exchange_rate,
                              service.amount_min, service.amount_max)
        groups.setdefault(service.method or "", []).append(ServiceChoice(service, limits))
    result = []
    for code, choices in groups.items():
        method = answer.methods.get(code)
        name = method.name_for(language) if method is not None else (code or "—")
        result.append(MethodGroup(code, name, tuple(choices)))
    return result
