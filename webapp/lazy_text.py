"""Lazy translations that stay text in HTML.

Flask-Babel's lazy strings declare `__html__`, so Jinja (and WTForms labels, and
`Markup.format`) take them as safe markup and print them unescaped. With a parameter that
came from outside, `_l("The provider refused this: %(message)s", message=...)` was a way to
put the provider's HTML into our page. Every `_l` in the app comes from here instead: the same
lazy string, whose `__html__` escapes the finished text (translation and parameters alike).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):  # type: ignore[misc]
    """A lazy translation that Jinja escapes like any other text."""

    def __html__(self) -> Markup:
        return escape(str(self))  # Markup: escaped once, never again


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    return LazyText(gettext, string, **variables)


_l = lazy_gettext
