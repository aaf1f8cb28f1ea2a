"""Running in production: request ids and structured logs, metrics, health probes."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("observability", __name__)


def init_app(app: Flask) -> None:
    from webapp.observability import health, logging, metrics

    assert health.healthz  # importing it adds the routes to `bp`
    logging.init_app(app)
    metrics.init_app(app)
