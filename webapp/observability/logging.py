"""Structured logs: one JSON object per line in production (text elsewhere), each carrying
the request id, every line passed through the redaction filter.

Like `logging.basicConfig`, nothing is installed when logging is configured already (pytest,
an embedding server): the app then only adds the request id hooks.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, request

from webapp.observability import context
from webapp.observability.redact import redact, register_secrets, url_password

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime",
                                                                  "request_id"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_MARK = "_payouts_desk_handler"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = context.current_request_id() or "-"
        return True


class RedactingFilter(logging.Filter):
    """Formats the message once, redacted; string extras and tracebacks are redacted too."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def _request_id_of(record: logging.LogRecord) -> str | None:
    request_id = getattr(record, "request_id", None)
    if request_id in (None, "-"):
        return context.current_request_id()
    return str(request_id)


class JsonFormatter(logging.Formatter):
    """timestamp, level, logger, message, request_id, then any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, default=str, ensure_ascii=False)


def make_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(
        TEXT_FORMAT))
    setattr(handler, _MARK, True)
    return handler


def configure_logging(log_format: str, level: str = "INFO", *, force: bool = False) -> bool:
    """Install the root handler unless logging is configured by someone else (then False).
    Our own earlier handler is replaced, so creating the app twice does not log twice."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _MARK, False)]
    if len(ours) < len(root.handlers) and not force:
        return False
    for handler in ours:
        root.removeHandler(handler)
    root.addHandler(make_handler(log_format))
    root.setLevel(level)
    return True


def register_app_secrets(config: Any) -> None:
    register_secrets([
        config.get("SECRET_KEY"), config.get("PAYMEGA_SECRET_KEY"),
        config.get("METRICS_TOKEN"), url_password(config.get("SQLALCHEMY_DATABASE_URI")),
        url_password(config.get("REDIS_URL")),
    ])


def _start_request() -> None:
    # A request rerun after a lost database connection (webapp/db_retry.py) starts twice:
    # undo the first binding, or its token is lost and the id outlives the request.
    _end_request(None)
    g.request_id = context.sane_or_new(request.headers.get(context.HEADER))
    g._request_id_token = context.bind(g.request_id)


def _tag_response(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[context.HEADER] = request_id
    return response


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("_request_id_token", None)
    if token is not None:
        # A token made in another context (a copied one) has nothing to undo here.
        with suppress(ValueError):
            context.unbind(token)


def init_app(app: Flask) -> None:
    register_app_secrets(app.config)
    if not app.config.get("TESTING"):
        configure_logging(app.config["LOG_FORMAT"], app.config.get("LOG_LEVEL") or "INFO")
    # First of all before_request hooks, so their log lines carry the id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_tag_response)
    app.teardown_request(_end_request)
