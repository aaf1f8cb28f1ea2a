"""The one place that decides fragment vs full page, and how to redirect an htmx request.

The HX-* headers are read through htmx-flask's `request.htmx` (installed on the app in
create_app); nothing else in the app looks at those headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, redirect, render_template
from htmx_flask import request


def is_partial_request() -> bool:
    """True for an htmx request that wants a fragment: not boosted, not a history restore."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(full: str, partial: str, **context: Any) -> str:
    """Render the fragment for htmx, the full page (which includes the fragment) otherwise."""
    return render_template(partial if is_partial_request() else full, **context)


def redirect_to(url: str) -> Response:
    """303 for a plain form post; `HX-Redirect` for htmx, which would otherwise swap the page."""
    if request.htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_on_htmx(response: Response) -> Response:
        # Caches must not serve a fragment for a full-page request or the other way round.
        response.vary.add("HX-Request")
        return response
