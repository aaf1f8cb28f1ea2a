"""WTForms' own messages ("This field is required.") in the reader's language, from a catalog
loaded once per language and process.

Flask-WTF reads WTForms' catalog from disk in every request that builds a form (about 0.4 ms;
the create and list profiles showed it). It first looks for a catalog on the request
(`request.wtforms_translations`); the app's request class offers one there that picks the
language at each use, so `force_locale` is honoured too.
"""

from __future__ import annotations

from typing import Any

from babel import support
from flask import Flask, Request
from flask_babel import get_locale
from wtforms.i18n import messages_path

_loaded: dict[str, support.Translations] = {}


def _catalog() -> Any:
    language = str(get_locale())
    found = _loaded.get(language)
    if found is None:  # two threads may both load it once: the same content either way
        found = _loaded[language] = support.Translations.load(
            messages_path(), [language], domain="wtforms")
    return found


class _WTFormsCatalog:
    def ugettext(self, string: str) -> str:
        return _catalog().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog().ungettext(singular, plural, n)


CATALOG = _WTFormsCatalog()


def init_app(app: Flask) -> None:
    """After the extensions that set their own request class (htmx-flask's): built on it."""
    base: type[Request] = app.request_class
    app.request_class = type("DeskRequest", (base,), {"wtforms_translations": CATALOG})
