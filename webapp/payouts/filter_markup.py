"""The list's filter form, rendered once per language, query and set of options.

Rendering the form's WTForms widgets (a select of every service and creator, a checkbox per
status) took about a fifth of /payouts/ in the profile, yet its HTML depends only on the
language, the query string and the options, which stay the same for a minute at a time
(listing.cached_filter_choices). The form has no CSRF token (a GET search changes nothing),
so the same inputs give the same bytes.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from webapp.payouts.list_filters import PayoutFilterForm
from webapp.payouts.listing import Choices

CACHE_ENTRIES = 256  # per process; a full cache starts again empty
MAX_QUERY_BYTES = 1024  # longer queries (hand-made URLs) are rendered every time


def rendered_filters(form: PayoutFilterForm, choices: Choices) -> Markup:
    query = request.query_string
    if len(query) > MAX_QUERY_BYTES:
        return _render(form)
    key = (str(get_locale()), query, tuple(choices.currencies), tuple(choices.services),
           tuple(choices.creators))
    cache: dict[tuple, Markup] = current_app.extensions.setdefault(
        "payouts_filter_markup", {})
    markup = cache.get(key)
    if markup is None:
        markup = _render(form)
        if len(cache) >= CACHE_ENTRIES:
            cache.clear()
        cache[key] = markup
    return markup


def _render(form: PayoutFilterForm) -> Markup:
    # Jinja's autoescaped output: every value in it was escaped while rendering.
    return Markup(render_template("payouts/_filters.html", form=form))  # noqa: S704
