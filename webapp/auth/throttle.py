"""Login throttling kept in the rate limiter's storage, so every app process sees the same
counters when REDIS_URL is set (memory storage otherwise). While Redis is away the counters
live in this process's memory (webapp/degraded.py): sign-ins go on, throttled per process.

Per username: 5 failures within 15 minutes lock the name for 15 minutes, whether or not the
user exists. Per IP: Flask-Limiter counts failed POSTs to /login (see `ip_limit`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from flask import Response, current_app
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from webapp.degraded import fallback_for
from webapp.extensions import limiter

T = TypeVar("T")

FAILURES = parse("5 per 15 minutes")
LOCKOUT = parse("1 per 15 minutes")  # one hit opens a 15-minute window: the lock itself
LOCKOUT_MINUTES = 15
DEFAULT_IP_LIMIT = "20 per minute"
FAIL_SCOPE = "login-fail"
LOCK_SCOPE = "login-lock"


def _key(username: str) -> str:
    # A digest keeps odd characters and long input out of storage keys; case does not matter.
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _storage() -> Storage:
    """The limiter's storage; when rate limiting is switched off the lockout still holds, in
    a storage of its own at the same URI."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        return limiter.storage
    own = current_app.extensions.get("login_throttle_storage")
    if own is None:
        own = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        current_app.extensions["login_throttle_storage"] = own
    return own


def _counting(work: Callable[[Storage], T]) -> T:
    """Run `work` on the shared storage, or on this process's memory while it is away."""
    return fallback_for(current_app, "throttle").run(_storage(), work)


def is_locked(username: str) -> bool:
    key = _key(username)
    return _counting(lambda s: not FixedWindowRateLimiter(s).test(LOCKOUT, LOCK_SCOPE, key))


def record_failure(username: str) -> bool:
    """Count one failed attempt; True when it was the one that locked the name."""
    key = _key(username)

    def count(storage: Storage) -> bool:
        failures = MovingWindowRateLimiter(storage)
        failures.hit(FAILURES, FAIL_SCOPE, key)
        if failures.test(FAILURES, FAIL_SCOPE, key):
            return False
        FixedWindowRateLimiter(storage).hit(LOCKOUT, LOCK_SCOPE, key)
        failures.clear(FAILURES, FAIL_SCOPE, key)
        return True

    return _counting(count)


def record_success(username: str) -> None:
    """A correct password forgets this name's earlier failures (and only this name's)."""
    key = _key(username)
    _counting(lambda s: MovingWindowRateLimiter(s).clear(FAILURES, FAIL_SCOPE, key))


def ip_limit() -> str:
    """Per-IP budget of failed sign-ins; LOGIN_IP_LIMIT overrides it."""
    return str(current_app.config.get("LOGIN_IP_LIMIT") or DEFAULT_IP_LIMIT)


def is_failed_login(response: Response) -> bool:
    """Only failed attempts spend the IP budget: a successful sign-in redirects with 303."""
    return response.status_code != 303
