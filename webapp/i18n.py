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
    return browser_language(languages)


def browser_language(languages: list[str]) -> str:
    """The first language the browser accepts (by quality) that we speak, by primary subtag:
    `ru-RU,en;q=0.5` means Russian, even though `en` would be an exact match."""
    for value, _quality in request.accept_languages:
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in languages:
            return primary
    return "en"


def select_timezone() -> str:
    if not has_request_context():
        return "UTC"
    return getattr(current_user, "timezone", None) or "UTC"
