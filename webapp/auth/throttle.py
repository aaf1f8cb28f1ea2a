"""Login throttling kept in the rate limiter's storage, so every app process sees the same
counters when REDIS_URL is set (memory storage otherwise).

Per username: 5 failures within 15 minutes lock the name for 15 minutes, whether or not the
user exists. Per IP: Flask-Limiter counts failed POSTs to /login (see `ip_limit`).
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from webapp.extensions import limiter

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


def _failures() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(_storage())


def _lock() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(_storage())


def is_locked(username: str) -> bool:
    return not _lock().test(LOCKOUT, LOCK_SCOPE, _key(username))


def record_failure(username: str) -> bool:
    """Count one failed attempt; True when it was the one that locked the name."""
    key = _key(username)
    failures = _failures()
    failures.hit(FAILURES, FAIL_SCOPE, key)
    if failures.test(FAILURES, FAIL_SCOPE, key):
        return False
    _lock().hit(LOCKOUT, LOCK_SCOPE, key)
    failures.clear(FAILURES, FAIL_SCOPE, key)
    return True


def record_success(username: str) -> None:
    """A correct password forgets this name's earlier failures (and only this name's)."""
    _failures().clear(FAILURES, FAIL_SCOPE, _key(username))


def ip_limit() -> str:
    """Per-IP budget of failed sign-ins; LOGIN_IP_LIMIT overrides it."""
    return str(current_app.config.get("LOGIN_IP_LIMIT") or DEFAULT_IP_LIMIT)


def is_failed_login(response: Response) -> bool:
    """Only failed attempts spend the IP budget: a successful sign-in redirects with 303."""
    return response.status_code != 303
