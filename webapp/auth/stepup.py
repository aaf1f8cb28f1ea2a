"""Step-up: money and privilege actions need a TOTP code typed within the last few minutes.

The time of the last good TOTP code is kept in the (signed) session. `step_up_required` sends a
request without a fresh one to /account/step-up; a POST cannot be replayed after a redirect,
so the person is sent back to the page they acted from and asked to act again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, request, session, url_for
from flask_babel import gettext as _

from webapp.htmx import redirect_to

F = TypeVar("F", bound=Callable[..., Any])
STEP_UP_KEY = "step_up_at"
DEFAULT_STEP_UP_SECONDS = 300


def step_up_seconds() -> int:
    return int(current_app.config.get("STEP_UP_SECONDS") or DEFAULT_STEP_UP_SECONDS)


def mark_fresh(now: float | None = None) -> None:
    """A TOTP code was just verified for this session."""
    session[STEP_UP_KEY] = time.time() if now is None else now


def is_fresh(now: float | None = None) -> bool:
    verified = session.get(STEP_UP_KEY)
    if not isinstance(verified, int | float):
        return False
    now = time.time() if now is None else now
    return 0 <= now - verified <= step_up_seconds()


def step_up_required(back: Callable[..., str] | None = None) -> Callable[[F], F]:
    """Refuse the view until a fresh TOTP code; `back(**view_kwargs)` is where a refused POST
    returns after the code (defaults to the page itself for GET)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if is_fresh():
                return view(*args, **kwargs)
            if request.method == "GET":
                target = request.full_path.rstrip("?")
            else:
                target = back(**kwargs) if back else url_for("main.dashboard")
                flash(_("Confirm with your code, then do it again."), "warning")
            return redirect_to(url_for("auth.step_up", next=target))

        return wrapped  # type: ignore[return-value]

    return decorator
