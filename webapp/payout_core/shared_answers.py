"""Pre-request answers shared between processes through Redis (when REDIS_URL is set).

Only the provider's JSON is stored, under a hash of the cache key, with the same short
lifetime as the in-process cache; reading parses it again with the provider parser, so a
shared answer is held to the same rules as a fresh one. Nothing is pickled. Redis trouble is
never the operator's: a failed read or write means asking the provider, as without Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from flask import current_app

from webapp.provider import parsing
from webapp.provider.types import Prerequest

log = logging.getLogger(__name__)
PREFIX = "payouts-desk:prerequest:"
MAX_BYTES = 2 * 1024 * 1024  # a larger answer is kept in the process only
TIMEOUT_SECONDS = 0.2


class SharedAnswers:
    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def _name(key: tuple[str, ...]) -> str:
        return PREFIX + hashlib.sha256("\x1f".join(key).encode()).hexdigest()

    def get(self, key: tuple[str, ...]) -> Prerequest | None:
        try:
            stored = self.client.get(self._name(key))
        except Exception as error:  # Redis down or slow: ask the provider instead
            log.warning("shared pre-request cache unreadable: %s", type(error).__name__)
            return None
        if stored is None or len(stored) > MAX_BYTES:
            return None
        try:
            return parsing.parse_prerequest(json.loads(stored))
        except Exception:  # not an answer we accept: ask the provider
            log.warning("shared pre-request cache held an unreadable answer")
            return None

    def put(self, key: tuple[str, ...], raw: Any, ttl: float) -> None:
        seconds = int(ttl)
        if seconds <= 0:
            return
        body = json.dumps(raw, separators=(",", ":")).encode()
        if len(body) > MAX_BYTES:
            return
        try:
            self.client.set(self._name(key), body, ex=seconds)
        except Exception as error:
            log.warning("shared pre-request cache not written: %s", type(error).__name__)


def for_app() -> SharedAnswers | None:
    """The app's shared cache, or None without REDIS_URL."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    shared = app.extensions.get("payouts_prerequest_shared")
    if shared is None:
        import redis  # only where Redis is configured

        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS,
                                      socket_timeout=TIMEOUT_SECONDS)
        shared = app.extensions.setdefault("payouts_prerequest_shared", SharedAnswers(client))
    return shared
