"""The pre-request cache, bounded in entries and in bytes, and shared across amounts.

Each typed amount is its own provider question (the provider filters services by amount), so
the key stays the exact amount; what is stored per amount is only a small index: which
services, and the amount each was converted to. The services themselves are kept once by
content (their `amount` and raw JSON left out), so 10.00, 10.01 and 10.02 share one copy of a
large answer. Parts are counted in bytes (an estimate of their Python size) and the oldest
give way; an idle cache empties itself after the TTL instead of waiting for the next request.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Hashable
from dataclasses import dataclass, fields, is_dataclass, replace
from decimal import Decimal
from typing import Any

from cachetools import TTLCache

from webapp.provider.types import Prerequest

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def approx_bytes(value: Any) -> int:
    """The memory a parsed value holds: containers, dataclasses and their leaves (iterative;
    shared objects are counted once)."""
    seen: set[int] = set()
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in fields(item))
    return total


@dataclass(frozen=True)
class _Part:
    value: Any
    size: int


@dataclass(frozen=True)
class _Index:
    currency: str
    amount: Decimal | None
    test_mode: bool | None
    services: tuple[tuple[str, Decimal | None], ...]  # (part digest, converted amount)
    methods: str  # part digest of (methods, account)


def _digest(kind: str, value: Any) -> str:
    return hashlib.sha256(f"{kind}:{value!r}".encode()).hexdigest()


class PrerequestCache:
    """Thread-safe; `get`/`put` by key; entries live `ttl` seconds at most."""

    def __init__(self, ttl: float, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        lifetime = max(ttl, 0.001)  # a TTL of 0 stores nothing (see `put`)
        self._index: TTLCache[Hashable, _Index] = TTLCache(max_entries, lifetime)
        self._parts: TTLCache[str, _Part] = TTLCache(max_bytes, lifetime,
                                                     getsizeof=lambda part: part.size)
        self._lock = threading.Lock()
        self._sweeper: threading.Timer | None = None

    # -- reading ------------------------------------------------------------------------------
    def get(self, key: Hashable) -> Prerequest | None:
        with self._lock:
            index = self._index.get(key)
            if index is None:
                return None
            methods = self._parts.get(index.methods)
            services = []
            for digest, amount in index.services:
                part = self._parts.get(digest)
                if part is None or methods is None:  # a shared part gave way: ask again
                    del self._index[key]
                    return None
                services.append(replace(part.value, amount=amount))
            method_map, account = methods.value
            return Prerequest(currency=index.currency, amount=index.amount,
                              test_mode=index.test_mode, services=tuple(services),
                              methods=dict(method_map), account=account)

    # -- writing ------------------------------------------------------------------------------
    def put(self, key: Hashable, answer: Prerequest) -> None:
        if self.ttl <= 0:
            return
        refs = []
        parts: dict[str, Any] = {}
        for service in answer.services:
            template = replace(service, amount=None, raw={})
            digest = _digest("service", template)
            parts[digest] = template
            refs.append((digest, service.amount))
        methods_value = (tuple(sorted(answer.methods.items())), answer.account)
        methods_digest = _digest("methods", methods_value)
        parts[methods_digest] = methods_value
        index = _Index(answer.currency, answer.amount, answer.test_mode, tuple(refs),
                       methods_digest)
        with self._lock:
            for digest, value in parts.items():
                if digest in self._parts:
                    self._parts[digest] = self._parts[digest]  # refresh its lifetime
                    continue
                part = _Part(value, approx_bytes(value))
                if part.size > self.max_bytes:
                    return  # larger than the whole cache: not kept at all
                self._parts[digest] = part
            self._index[key] = index
        self._arm_sweeper()

    def clear(self) -> None:
        with self._lock:
            self._index.clear()
            self._parts.clear()

    # -- accounting ---------------------------------------------------------------------------
    @property
    def bytes_held(self) -> int:
        with self._lock:
            self._parts.expire()
            return int(self._parts.currsize)

    @property
    def entries(self) -> int:
        with self._lock:
            self._index.expire()
            return len(self._index)

    def expire(self) -> None:
        with self._lock:
            self._index.expire()
            self._parts.expire()
            left = len(self._parts)
            self._sweeper = None
        if left:
            self._arm_sweeper()

    def _arm_sweeper(self) -> None:
        """One daemon timer at a time drops expired entries, so memory comes back after the
        TTL even when nobody asks again."""
        with self._lock:
            if self._sweeper is not None:
                return
            self._sweeper = threading.Timer(self.ttl + 0.05, self.expire)
            self._sweeper.daemon = True
            self._sweeper.start()
