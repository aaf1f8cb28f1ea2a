"""The services that fit a currency and amount: the provider's pre-request, cached briefly.

Typing an amount asks again after each pause, and a submit re-resolves the chosen service, so
answers are kept for up to a minute per (provider, currency, amount). The key is the exact
amount: the provider filters services by amount, so an answer for a neighbouring amount could
hide a service that fits this one. Failures are never cached.

With REDIS_URL the answers are shared between processes too (shared_answers.py): a submit
landing on another gunicorn worker (or instance) than the page the operator just saw finds
the answer there instead of asking the provider again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

from cachetools import TTLCache
from flask import current_app

from webapp.payout_core import shared_answers
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.money import LimitCheck, check_limits
from webapp.provider.types import PayoutService, Prerequest

MAX_TTL_SECONDS = 60.0
MAX_ENTRIES = 256
AVAILABLE_STATUSES = frozenset({None, "", "available"})


class PrerequestCache:
    """cachetools' TTLCache (expiry after `ttl` seconds, least recently used out first when
    full) behind a lock, since its operations are not thread-safe."""

    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self._entries: TTLCache[tuple[str, ...], Prerequest] = TTLCache(
            maxsize=max_entries, ttl=max(ttl, 0))
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Prerequest | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[str, ...], value: Prerequest) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _cache() -> PrerequestCache:
    """One cache per app; `PAYOUTS_PREREQUEST_TTL` (seconds, at most 60) sets its lifetime."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("payouts_prerequest_cache")
    if cache is None:
        ttl = min(float(app.config.get("PAYOUTS_PREREQUEST_TTL", MAX_TTL_SECONDS)),
                  MAX_TTL_SECONDS)
        cache = app.extensions.setdefault("payouts_prerequest_cache", PrerequestCache(ttl))
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
