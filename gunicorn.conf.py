"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden by the environment (names below) or the command line. The
background worker is a separate process: `python -m webapp.worker` (see docs/deploy.md).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

from webapp.config import request_worst_case_seconds


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _json_logs() -> bool:
    """The app's rule (webapp/config.py): LOG_FORMAT, else JSON in production (the default)."""
    log_format = os.environ.get("LOG_FORMAT", "").strip().lower()
    if log_format:
        return log_format == "json"
    return (os.environ.get("APP_MODE") or "production") == "production"


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


# Loopback unless told otherwise: with PROXY_HOPS > 0 the app trusts X-Forwarded-For, so only
# the proxy on this host may reach gunicorn (one unit per instance: --bind 127.0.0.1:800N).
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# 2 × cores + 1, capped: each worker holds a database pool; WEB_CONCURRENCY overrides.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
# Threads let a worker serve pages while another request waits for the provider (up to
# PAYMEGA_READ_TIMEOUT); with gthread the heartbeat is not blocked by a slow request.
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
# A restart lets requests in flight finish: long enough for the slowest create (the provider's
# timeouts, see webapp/config.py request_worst_case_seconds), so no create is cut in half.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", int(request_worst_case_seconds(
    _float("PAYMEGA_CONNECT_TIMEOUT", 3.05), _float("PAYMEGA_READ_TIMEOUT", 15.0))) + 5)
keepalive = 5
# Recycle workers now and then, so slow leaks cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# Each worker builds its own app (and database and Redis connections) after the fork.
preload_app = False
# No control socket: it is not used, and instances sharing a host would share its path.
control_socket_disable = True
# Gunicorn trusts X-Forwarded-Proto only from these addresses; the app's own ProxyFix
# (PROXY_HOPS) decides about client addresses and the scheme it sees.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The request id the app answered with ties an access line to the app's own log lines.
access_log_format = ('%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms '
                     'request_id=%({x-request-id}o)s')

if _json_logs():
    _filters = ["request_id", "redact"]
    logconfig_dict: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": []},  # the app installs its own (JSON) handler
        "filters": {
            "request_id": {"()": "webapp.observability.logging.RequestIdFilter"},
            "redact": {"()": "webapp.observability.logging.RedactingFilter"},
        },
        "formatters": {"json": {"()": "webapp.observability.logging.JsonFormatter"}},
        "handlers": {
            "error": {"class": "logging.StreamHandler", "formatter": "json",
                      "filters": _filters, "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "json",
                       "filters": ["redact"], "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error"],
                               "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }


def on_starting(server: Any) -> None:
    """Prometheus multiprocess mode: counters of all workers are summed at /metrics. The
    directory must start empty, or counts of a previous run would be added."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)


def post_worker_init(worker: Any) -> None:
    """The app is loaded: its modules, routes and templates live as long as the worker, so the
    garbage collector stops scanning them (a full collection walked ~130,000 such objects; the
    collector's share of a create fell from 0.5 to 0.15 ms, bench item 1)."""
    gc.collect()
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
