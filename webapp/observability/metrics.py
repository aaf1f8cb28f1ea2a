"""Prometheus metrics: one registry per app (test apps do not collide in the global one).

Counters and the latency histogram are recorded where things happen; payouts by status and
the queue depth are computed at scrape time (one GROUP BY, one queue count), so they are exact
whichever process answers. With PROMETHEUS_MULTIPROC_DIR set (see gunicorn.conf.py) counters
of every worker on the host are summed; without it each process reports its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from flask import Flask, Response, current_app, has_app_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select

log = logging.getLogger(__name__)
EXTENSION = "desk_metrics"
PREFIX = "payouts_desk"
# Path segments of the provider's API that are names; any other segment is an id.
_API_WORDS = frozenset({"payout-prerequest", "payout-invoices", "payout-services", "process"})
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)
# The callback route answers in plain text; 200 bodies are the acceptance outcome.
CALLBACK_OUTCOMES_200 = frozenset({"received", "duplicate", "unknown_invoice"})
CALLBACK_OUTCOMES_BY_STATUS = {400: "unreadable", 403: "bad_signature", 413: "too_large",
                               429: "rate_limited"}


def endpoint_template(path: str) -> str:
    """`/payout-invoices/inv_42/process` -> `/payout-invoices/{id}/process` (few label values)."""
    parts = [p if p in _API_WORDS else "{id}" for p in path.split("?")[0].split("/") if p]
    return "/" + "/".join(parts)


class _ScrapeTime(Collector):
    """Payouts by status and the queue depth, read when Prometheus asks."""

    def collect(self) -> Iterator[Metric]:
        from webapp.extensions import db
        from webapp.models import Payout, PayoutStatus

        payouts = GaugeMetricFamily(f"{PREFIX}_payouts", "Payouts by status.", labels=["status"])
        rows = dict(db.session.execute(
            select(Payout.status, func.count()).group_by(Payout.status)).all())
        for status in PayoutStatus:
            payouts.add_metric([status.value], rows.pop(status.value, 0))
        for other, count in rows.items():  # a status no longer in the enum still shows
            payouts.add_metric([str(other)], count)
        yield payouts
        email_counts = current_app.extensions.get("notification_emails")
        if email_counts is not None:
            emails = GaugeMetricFamily(f"{PREFIX}_notification_emails",
                                       "Notification e-mails by state (sent, failed, …).",
                                       labels=["state"])
            for state, count in email_counts().items():
                emails.add_metric([state], count)
            yield emails
        yield _open_differences()
        depth_of_queue = current_app.extensions.get("queue_depth")
        if depth_of_queue is None:
            return
        try:
            depth = depth_of_queue()
        except Exception as error:  # the queue's store is down: say so in the log, not here
            log.warning("queue depth unavailable: %s", type(error).__name__)
            return
        queue = GaugeMetricFamily(f"{PREFIX}_queue_pending", "Jobs waiting in the task queue.")
        queue.add_metric([], depth)
        yield queue


def _open_differences() -> Metric:
    """Reconciliation differences nobody has explained yet (alert when above zero)."""
    from webapp.extensions import db
    from webapp.models import ReconciliationDifference

    gauge = GaugeMetricFamily(f"{PREFIX}_reconciliation_open_differences",
                              "Reconciliation differences not explained yet.")
    gauge.add_metric([], db.session.scalar(
        select(func.count()).select_from(ReconciliationDifference)
        .where(ReconciliationDifference.explained.is_(False))) or 0)
    return gauge


class DeskMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.provider_latency = Histogram(
            f"{PREFIX}_provider_request_duration_seconds",
            "Provider API calls by endpoint template and method, answered or not.",
            ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.provider_errors = Counter(
            f"{PREFIX}_provider_errors", "Failed provider API calls by endpoint and error kind.",
            ["endpoint", "kind"], registry=self.registry)
        self.callbacks = Counter(
            f"{PREFIX}_callbacks", "Provider callbacks by how the callback route answered.",
            ["outcome"], registry=self.registry)
        self.redis_fallbacks = Counter(
            f"{PREFIX}_redis_fallback", "Operations done without Redis (it was unreachable): "
            "limits and throttling counted in process memory, jobs left to the worker's sweeps.",
            ["component"], registry=self.registry)
        self.registry.register(_ScrapeTime())

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            registry.register(_ScrapeTime())
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_for(app: Flask) -> DeskMetrics | None:
    return app.extensions.get(EXTENSION)


def observe_provider_call(method: str, path: str, seconds: float, error: Exception | None
                          ) -> None:
    """Called by the provider transport after every attempt (see webapp/provider/http.py)."""
    from webapp.observability.context import note_side_effect

    note_side_effect("provider call")  # a request that called the provider is never rerun
    if not has_app_context():
        return
    metrics = metrics_for(current_app)
    if metrics is None:
        return
    endpoint = endpoint_template(path)
    metrics.provider_latency.labels(endpoint=endpoint, method=method).observe(seconds)
    if error is not None:
        metrics.provider_errors.labels(endpoint=endpoint, kind=type(error).__name__).inc()


def _count_callback(response: Response) -> Response:
    if request.endpoint != "callbacks.paymega":
        return response
    metrics = metrics_for(current_app)
    if metrics is not None:
        if response.status_code == 200:
            body = response.get_data(as_text=True).strip()
            outcome = body if body in CALLBACK_OUTCOMES_200 else "accepted"
        else:
            outcome = CALLBACK_OUTCOMES_BY_STATUS.get(response.status_code, "error")
        metrics.callbacks.labels(outcome=outcome).inc()
    return response


def scrape() -> Response:
    metrics = metrics_for(current_app)
    assert metrics is not None
    return Response(metrics.exposition(), mimetype=None,
                    headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4,
                             "Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # gunicorn's on_starting empties it; a CLI command may run before that
        os.makedirs(directory, exist_ok=True)
    app.extensions[EXTENSION] = DeskMetrics()
    app.after_request(_count_callback)
