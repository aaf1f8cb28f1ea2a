"""Settings read from the environment, in one class, so a deployment is described by its env."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SANDBOX_DEFAULT_URL = "http://127.0.0.1:5001"
SANDBOX_PUBLIC_KEY = "pk_test_sandbox"
SANDBOX_ACCOUNT_ID = "sandbox"
SANDBOX_SECRET_KEY = "sk_test_sandbox"  # noqa: S105 (the public sandbox key)
DEMO_SECRET_KEY = "demo-only-secret-key-not-for-production"  # noqa: S105 (demo mode only)

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _state_dir() -> Path:
    """Where a production install keeps its own state by default: outside the code checkout
    (the XDG state directory of the user running the app)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "payouts-desk"


class ConfigError(RuntimeError):
    """Raised at start-up when a setting is missing or wrong; the message names the variable."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int_env(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _float_env(name: str) -> float | None:
    value = _env(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None


def batch_lease_seconds(connect_timeout: float, read_timeout: float) -> float:
    """How long a batch runner's claim lasts without a heartbeat. The runner renews it before
    every row, and one row makes at most six provider calls (create, look-up, create again,
    process, read, process again), each bounded by the timeouts: the lease outlasts that, so a
    live runner never loses its batch, while a dead one blocks it no longer than needed."""
    return round(6 * (connect_timeout + read_timeout) + 10, 1)


PROVIDER_READ_TRIES = 3  # a safe read is tried up to 3 times (webapp/provider/client.py)
RECOVERY_ATTEMPTS = 3  # look-up rounds after an unknown create (webapp/payouts/recovery.py)


def request_worst_case_seconds(connect_timeout: float, read_timeout: float) -> float:
    """The longest a request can wait on the provider: a create whose outcome is hidden, then
    up to RECOVERY_ATTEMPTS rounds of a look-up by reference (up to PROVIDER_READ_TRIES tries)
    and a create again, each call bounded by the timeouts, plus backoff pauses. The proxy's
    read timeout and gunicorn's graceful timeout must be above it (docs/deploy.md §3)."""
    calls = 1 + RECOVERY_ATTEMPTS * (PROVIDER_READ_TRIES + 1)
    pauses = 5.0
    return round(calls * (connect_timeout + read_timeout) + pauses, 1)


def engine_options(database_url: str, pool_size: int, max_overflow: int) -> dict[str, Any]:
    """Pre-ping: a connection the database dropped (restart, pg_terminate_backend, failover) is
    found and replaced at checkout instead of failing the request. Pool sizes only for servers;
    SQLite keeps SQLAlchemy's own pool and needs no ping (a file has no server to drop the
    connection; the ping was a statement on every request)."""
    if not database_url.startswith("postgresql"):
        return {}
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": max_overflow,
            "pool_timeout": 10, "pool_recycle": 1800}


@dataclass
class Config:
    """Every setting the app reads. `from_env()` fills it; tests pass overrides as a dict."""

    APP_MODE: str = "production"  # production | demo | development | testing
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    # The task queue's SQLite file when REDIS_URL is not set (Redis holds the queue otherwise).
    TASK_QUEUE_PATH: str | None = None
    TASKS_IMMEDIATE: bool | None = None  # run background jobs inline; on by default in testing
    PAYMEGA_API_URL: str | None = None
    PAYMEGA_PUBLIC_KEY: str | None = None
    PAYMEGA_ACCOUNT_ID: str | None = None
    PAYMEGA_SECRET_KEY: str | None = None
    PAYMEGA_CALLBACK_URL: str | None = None
    PAYMEGA_CONNECT_TIMEOUT: float = 3.05
    PAYMEGA_READ_TIMEOUT: float = 15.0
    METRICS_TOKEN: str | None = None  # Bearer token for /metrics (required in production)
    PROXY_HOPS: int = 0  # reverse proxies in front of the app whose X-Forwarded-* we trust
    LOG_FORMAT: str | None = None  # json | text; json by default in production
    LOG_LEVEL: str = "INFO"
    # Currencies offered when the provider's service list cannot be read: "USD,EUR,UAH".
    PAYOUT_CURRENCIES: str | Sequence[str] | None = None
    SQLITE_SYNCHRONOUS: str = "NORMAL"  # FULL: sync every commit (see webapp/sqlite_tuning.py)
    SMTP_URL: str | None = None  # checked by `flask check` when set; smtp(s)://user:pw@host:port
    MAIL_FROM: str | None = None  # sender of notification e-mails; unset: e-mail stays off
    # Where people open the desk (links in e-mails); default: the callback URL's origin.
    PUBLIC_BASE_URL: str | None = None
    NOTIFY_STUCK_MINUTES: int = 30  # an unknown outcome this old is reported to its creator
    DB_POOL_SIZE: int = 4  # per process: one per gunicorn thread; docs/deploy.md §5
    DB_MAX_OVERFLOW: int = 1
    BATCH_LEASE_SECONDS: float | None = None  # None: derived from the provider timeouts
    # Pre-flight at approval: how far (percent) the rate may move since creation.
    PREFLIGHT_RATE_TOLERANCE_PERCENT: str = "1"
    RECONCILIATION_HOUR: int = 3  # the daily reconciliation run starts at this hour (UTC)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Config:
        timeout_connect = _env("PAYMEGA_CONNECT_TIMEOUT")
        timeout_read = _env("PAYMEGA_READ_TIMEOUT")
        return cls(
            APP_MODE=_env("APP_MODE", "production") or "production",
            SECRET_KEY=_env("SECRET_KEY"),
            DATABASE_URL=_env("DATABASE_URL"),
            REDIS_URL=_env("REDIS_URL"),
            TASK_QUEUE_PATH=_env("TASK_QUEUE_PATH"),
            PAYMEGA_API_URL=_env("PAYMEGA_API_URL"),
            PAYMEGA_PUBLIC_KEY=_env("PAYMEGA_PUBLIC_KEY"),
            PAYMEGA_ACCOUNT_ID=_env("PAYMEGA_ACCOUNT_ID"),
            PAYMEGA_SECRET_KEY=_env("PAYMEGA_SECRET_KEY"),
            PAYMEGA_CALLBACK_URL=_env("PAYMEGA_CALLBACK_URL"),
            PAYMEGA_CONNECT_TIMEOUT=float(timeout_connect) if timeout_connect else 3.05,
            PAYMEGA_READ_TIMEOUT=float(timeout_read) if timeout_read else 15.0,
            METRICS_TOKEN=_env("METRICS_TOKEN"),
            PROXY_HOPS=_int_env("PROXY_HOPS", 0),
            LOG_FORMAT=_env("LOG_FORMAT"),
            LOG_LEVEL=(_env("LOG_LEVEL", "INFO") or "INFO").upper(),
            PAYOUT_CURRENCIES=_env("PAYOUT_CURRENCIES"),
            SQLITE_SYNCHRONOUS=(_env("SQLITE_SYNCHRONOUS", "NORMAL") or "NORMAL").upper(),
            SMTP_URL=_env("SMTP_URL"),
            MAIL_FROM=_env("MAIL_FROM"),
            PUBLIC_BASE_URL=_env("PUBLIC_BASE_URL"),
            NOTIFY_STUCK_MINUTES=_int_env("NOTIFY_STUCK_MINUTES", 30),
            DB_POOL_SIZE=_int_env("DB_POOL_SIZE", 4),
            DB_MAX_OVERFLOW=_int_env("DB_MAX_OVERFLOW", 1),
            BATCH_LEASE_SECONDS=_float_env("BATCH_LEASE_SECONDS"),
            PREFLIGHT_RATE_TOLERANCE_PERCENT=_env("PREFLIGHT_RATE_TOLERANCE_PERCENT", "1") or "1",
            RECONCILIATION_HOUR=_int_env("RECONCILIATION_HOUR", 3),
        )

    @property
    def is_relaxed(self) -> bool:
        """Demo, development and testing may fall back to built-in defaults; production may not."""
        return self.APP_MODE in {"demo", "development", "testing"}

    def resolve(self) -> dict[str, Any]:
        """Fill defaults where allowed, refuse to start where not; return Flask config keys."""
        if self.APP_MODE not in {"production", "demo", "development", "testing"}:
            raise ConfigError(
                f"APP_MODE must be production, demo, development or testing, not {self.APP_MODE!r}"
            )
        uses_sandbox = self.PAYMEGA_API_URL is None
        if not self.is_relaxed:
            # Every invoice carries PAYMEGA_CALLBACK_URL, including those the worker creates
            # outside any request: without it statuses would arrive only by polling.
            required = ["SECRET_KEY", "DATABASE_URL", "PAYMEGA_API_URL", "PAYMEGA_PUBLIC_KEY",
                        "PAYMEGA_ACCOUNT_ID", "PAYMEGA_SECRET_KEY", "METRICS_TOKEN",
                        "PAYMEGA_CALLBACK_URL"]
            missing = [name for name in required if getattr(self, name) is None]
            if missing:
                raise ConfigError(
                    "Missing required setting(s) outside demo mode: "
                    + ", ".join(missing)
                    + ". Set them in the environment (or APP_MODE=demo for a local demo)."
                )
            if self.SECRET_KEY is not None and len(self.SECRET_KEY) < 32:
                raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")
            if self.METRICS_TOKEN is not None and len(self.METRICS_TOKEN) < 24:
                raise ConfigError(
                    "METRICS_TOKEN must be at least 24 characters long in production.")
            callback = urlsplit(self.PAYMEGA_CALLBACK_URL or "")
            if callback.scheme != "https" or not callback.netloc:
                raise ConfigError("PAYMEGA_CALLBACK_URL must be an absolute https URL in "
                                  "production (the provider posts signed callbacks to it).")
        elif self.PAYMEGA_API_URL is not None and None in (
            self.PAYMEGA_PUBLIC_KEY, self.PAYMEGA_ACCOUNT_ID, self.PAYMEGA_SECRET_KEY
        ):
            missing = [n for n in ("PAYMEGA_PUBLIC_KEY", "PAYMEGA_ACCOUNT_ID", "PAYMEGA_SECRET_KEY")
                       if getattr(self, n) is None]
            raise ConfigError(
                "PAYMEGA_API_URL is set, so these must be set too: " + ", ".join(missing)
            )
        log_format = (self.LOG_FORMAT or ("json" if self.APP_MODE == "production" else "text"))
        if log_format not in {"json", "text"}:
            raise ConfigError(f"LOG_FORMAT must be json or text, not {self.LOG_FORMAT!r}")
        if str(self.SQLITE_SYNCHRONOUS).upper() not in {"NORMAL", "FULL"}:
            raise ConfigError(
                f"SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {self.SQLITE_SYNCHRONOUS!r}")
        if (self.SMTP_URL or "").startswith("log:") and not self.is_relaxed:
            raise ConfigError("SMTP_URL=log:// (print e-mails instead of sending) is for the "
                              "demo and development only.")
        if self.DB_POOL_SIZE < 1 or self.DB_MAX_OVERFLOW < 0:
            raise ConfigError("DB_POOL_SIZE must be at least 1 and DB_MAX_OVERFLOW at least 0")
        if not 0 <= int(self.PROXY_HOPS) <= 5:
            raise ConfigError(f"PROXY_HOPS must be between 0 and 5, not {self.PROXY_HOPS!r}")
        database_url = self.DATABASE_URL or f"sqlite:///{INSTANCE_DIR / 'payouts.sqlite'}"
        if database_url.startswith("postgres://"):
            database_url = "postgresql://" + database_url[len("postgres://"):]
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
        secure_cookies = self.APP_MODE == "production"
        queue_home = INSTANCE_DIR if self.is_relaxed else _state_dir()
        immediate = (self.APP_MODE == "testing" if self.TASKS_IMMEDIATE is None
                     else bool(self.TASKS_IMMEDIATE))
        settings: dict[str, Any] = {
            "APP_MODE": self.APP_MODE,
            "TESTING": self.APP_MODE == "testing",
            "SECRET_KEY": self.SECRET_KEY or DEMO_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, self.DB_POOL_SIZE,
                                                        self.DB_MAX_OVERFLOW),
            "REDIS_URL": self.REDIS_URL,
            "TASK_QUEUE_PATH": self.TASK_QUEUE_PATH or str(queue_home / "huey.sqlite"),
            "TASKS_IMMEDIATE": immediate,
            "PAYMEGA_API_URL": (self.PAYMEGA_API_URL or SANDBOX_DEFAULT_URL).rstrip("/"),
            "PAYMEGA_PUBLIC_KEY": self.PAYMEGA_PUBLIC_KEY or SANDBOX_PUBLIC_KEY,
            "PAYMEGA_ACCOUNT_ID": self.PAYMEGA_ACCOUNT_ID or SANDBOX_ACCOUNT_ID,
            "PAYMEGA_SECRET_KEY": self.PAYMEGA_SECRET_KEY or SANDBOX_SECRET_KEY,
            "PAYMEGA_CALLBACK_URL": self.PAYMEGA_CALLBACK_URL,
            "PAYMEGA_CONNECT_TIMEOUT": self.PAYMEGA_CONNECT_TIMEOUT,
            "PAYMEGA_READ_TIMEOUT": self.PAYMEGA_READ_TIMEOUT,
            "USES_BUILTIN_SANDBOX": uses_sandbox,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            # Signed-in sessions end after 8 hours without a request. The server keeps that
            # time (UserSession.last_seen_at, written once a minute); the cookie's expiry is
            # renewed with it (webapp/auth/sessions.py), not re-signed on every request.
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
            "SESSION_REFRESH_EACH_REQUEST": False,
            "LOGIN_IP_LIMIT": "20 per minute",  # failed sign-ins per IP (webapp/auth/throttle.py)
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            "WTF_CSRF_TIME_LIMIT": None,
            "BABEL_DEFAULT_LOCALE": "en",
            "BABEL_DEFAULT_TIMEZONE": "UTC",
            "LANGUAGES": ["en", "ru", "uk"],
            "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
            "RATELIMIT_STORAGE_URI": self.REDIS_URL or "memory://",
            # Redis away: count in this process's memory (logged, metered) and go back to Redis
            # once it answers again; short timeouts so a hung Redis cannot hang sign-ins.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": bool(self.REDIS_URL),
            "RATELIMIT_STORAGE_OPTIONS": ({"socket_connect_timeout": 1, "socket_timeout": 1}
                                          if self.REDIS_URL else {}),
            "SMTP_URL": self.SMTP_URL,
            "MAIL_FROM": self.MAIL_FROM or ("Payouts desk <payouts-desk@localhost>"
                                            if self.is_relaxed else None),
            "PUBLIC_BASE_URL": public_base_url(self.PUBLIC_BASE_URL, self.PAYMEGA_CALLBACK_URL),
            "NOTIFY_STUCK_MINUTES": int(self.NOTIFY_STUCK_MINUTES),
            "BATCH_LEASE_SECONDS": (self.BATCH_LEASE_SECONDS if self.BATCH_LEASE_SECONDS
                                    else batch_lease_seconds(self.PAYMEGA_CONNECT_TIMEOUT,
                                                             self.PAYMEGA_READ_TIMEOUT)),
            "RATELIMIT_HEADERS_ENABLED": True,
            "METRICS_TOKEN": self.METRICS_TOKEN,
            "PROXY_HOPS": int(self.PROXY_HOPS),
            "PAYOUT_CURRENCIES": _currency_list(self.PAYOUT_CURRENCIES),
            "LOG_FORMAT": log_format,
            "LOG_LEVEL": self.LOG_LEVEL.upper(),
            "SQLITE_SYNCHRONOUS": str(self.SQLITE_SYNCHRONOUS).upper(),
        }
        settings.update(self.extra)
        return settings


def public_base_url(explicit: str | None, callback_url: str | None) -> str:
    """The desk's address for links in e-mails: PUBLIC_BASE_URL, else the origin of the
    callback URL (the provider reaches the desk there), else the local demo address."""
    if explicit:
        return explicit.rstrip("/")
    parts = urlsplit(callback_url or "")
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


def _currency_list(text: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """"usd, eur" (or a list) → ("USD", "EUR"); None or empty → None (the built-in list)."""
    parts = text.split(",") if isinstance(text, str) else list(text or ())
    codes = tuple(dict.fromkeys(c.strip().upper() for c in parts if c.strip()))
    bad = [c for c in codes if not (c.isalnum() and 2 <= len(c) <= 8)]
    if bad:
        raise ConfigError(f"PAYOUT_CURRENCIES holds codes that are not currency codes: {bad}")
    return codes or None
