"""Locale and time zone selection for Flask-Babel."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    """Saved preference, else the header switch remembered in the session, else the browser."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # background jobs and CLI: the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    user_language = getattr(current_user, "language", None) if current_user else None
    if user_language in languages:
        return user_language
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    if not has_request_context():
        return "UTC"
    return getattr(current_user, "timezone", None) or "UTC"
