"""Friendly pages for 400 (including a missing CSRF token), 403, 404, 429 and 500."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from webapp.extensions import db

PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html",
         429: "errors/429.html"}


def _render(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template(PAGES[code], error=error), code


def _server_error(error: Exception) -> tuple[str, int]:
    db.session.rollback()  # the failed transaction must not leak into the page's own queries
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # the page itself may need what just broke, e.g. the database
        return "Internal server error", 500


def init_app(app: Flask) -> None:
    for code in PAGES:
        app.register_error_handler(code, _render)
    app.register_error_handler(500, _server_error)
