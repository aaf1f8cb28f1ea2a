"""`_()` in templates without Flask-Babel's look-ups on every string.

Flask-Babel's Jinja callables find the translations again for each string (domain, context,
locale, its string form, a cache key): about 18 µs a string, and a list page has some seventy.
Here the translations are found once per request and language and kept on Flask-Babel's own
per-request namespace, next to the locale they were found for. `force_locale` (e-mails in the
reader's language) and `refresh` change or clear that locale, so a kept object is used only
while the locale it was found for is still the current one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_locale, get_translations

_KEPT = "desk_template_translations"


def _translations() -> Any:
    """This request's (or app context's) translations, found once per locale."""
    if not g:
        return get_translations()  # no context: Flask-Babel's null translations
    state = g.get("_flask_babel")
    kept = getattr(state, _KEPT, None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    translations = get_translations()
    state = g.get("_flask_babel")  # created by the look-up above
    setattr(state, _KEPT, (get_locale(), translations))
    return translations


def template_gettext(string: str) -> str:
    return _translations().ugettext(string)


def template_ngettext(singular: str, plural: str, count: int) -> str:
    return _translations().ungettext(singular, plural, count)


def template_pgettext(context: str, string: str) -> str:
    return _translations().upgettext(context, string)


def template_npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return _translations().unpgettext(context, singular, plural, count)


def init_app(app: Flask) -> None:
    """After Flask-Babel's init_app, which installs its own callables (same newstyle rules)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=template_gettext, ngettext=template_ngettext, newstyle=True,
        pgettext=template_pgettext, npgettext=template_npgettext)
