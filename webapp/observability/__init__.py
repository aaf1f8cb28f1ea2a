"""Running in production: request ids and structured logs, metrics, health probes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.observability import health, logging, metrics

    assert health.bp  # the probes and /metrics, registered with the other blueprints
    logging.init_app(app)
    metrics.init_app(app)
