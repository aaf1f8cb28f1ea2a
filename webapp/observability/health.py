"""GET /healthz (the process answers), GET /readyz (it can serve: the database answers;
"degraded" when Redis or the provider does not, which every instance shares, so taking them all
out of rotation would help nobody) and GET /metrics (Prometheus, protected).

Probes are unauthenticated and say nothing about why: details go to the log.
"""

from __future__ import annotations

import hmac
import logging
import time

import requests
from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import text

from webapp.extensions import db
from webapp.observability.metrics import scrape

bp = Blueprint("observability", __name__)

log = logging.getLogger(__name__)
PROBE_TIMEOUT = (1.0, 2.0)  # connect, read: a probe must answer well inside the LB's timeout
PROVIDER_OK_SECONDS = 10.0  # a reachable provider is not asked again for this long


def _redis_client() -> object:
    import redis

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("readiness_redis")
    if client is None:
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1,
                                      socket_timeout=1)
        app.extensions["readiness_redis"] = client
    return client


def database_problem() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as error:
        db.session.rollback()
        return f"database: {type(error).__name__}: {error}".splitlines()[0]


def redis_problem() -> str | None:
    if not current_app.config.get("REDIS_URL"):
        return None
    try:
        _redis_client().ping()  # type: ignore[attr-defined]
        return None
    except Exception as error:
        return f"redis: {type(error).__name__}: {error}".splitlines()[0]


def provider_problem() -> str | None:
    """Any HTTP answer from the provider's base URL counts: we test the network path, not the
    API (`flask check` tests the keys). Successes are remembered briefly per process."""
    base = current_app.config["PAYMEGA_API_URL"]
    seen = current_app.extensions.setdefault("readiness_provider_ok", {})
    if time.monotonic() - seen.get(base, -PROVIDER_OK_SECONDS) < PROVIDER_OK_SECONDS:
        return None
    try:
        requests.get(base + "/", timeout=PROBE_TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        return f"provider: {type(error).__name__}"
    seen[base] = time.monotonic()
    return None


def readiness_problems() -> list[str]:
    return [p for p in (database_problem(), redis_problem(), provider_problem()) if p]


def readiness() -> tuple[str, list[str]]:
    """("ready" | "degraded" | "not ready", problems). Only the database is needed to serve:
    without Redis the desk limits in memory and leaves jobs to the worker's sweeps
    (webapp/degraded.py); without the provider it still shows payouts and takes decisions."""
    fatal = database_problem()
    if fatal:
        return "not ready", [fatal]
    problems = [p for p in (redis_problem(), provider_problem()) if p]
    return ("degraded" if problems else "ready"), problems


@bp.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    status, problems = readiness()
    for problem in problems:
        log.warning("%s: %s", status, problem)
    response = jsonify(status=status)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if status == "not ready" else 200


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@bp.get("/metrics")
def metrics() -> Response:
    """Bearer METRICS_TOKEN (Prometheus), or a signed-in admin or auditor. A wrong token is
    401; anyone else gets the same 404 as a page that does not exist."""
    from webapp.models import Role

    token = _bearer_token()
    if token is not None:
        expected = current_app.config.get("METRICS_TOKEN") or ""
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return Response("unauthorized", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    elif not (current_user.is_authenticated and current_user.has_role(Role.ADMIN, Role.AUDITOR)):
        abort(404)
    return scrape()
