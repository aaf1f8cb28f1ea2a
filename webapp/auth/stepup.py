"""Step-up: money and privilege actions need a TOTP code typed within the last few minutes.

The time of the last good TOTP code is kept in the (signed) session. `step_up_required` sends a
request without a fresh one to /account/step-up; a POST cannot be replayed after a redirect,
so the person is sent back to the page they acted from and asked to act again. What they had
chosen and typed there (the fields a view names in `keep`) is kept in the session for that page
to show again, filled in, so the action resumes with one press after the code.
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
RESUME_KEY = "step_up_resume"
DEFAULT_STEP_UP_SECONDS = 300
# The session is a signed cookie: a resumable action keeps at most this much of its form.
RESUME_MAX_CHARS = 2500


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


def keep_for_resume(fields: tuple[str, ...]) -> None:
    """Remember this POST's `fields` (path and values) for the page it returns to."""
    values = [[name, value] for name in fields for value in request.form.getlist(name)]
    if sum(len(name) + len(value) for name, value in values) > RESUME_MAX_CHARS:
        values = [[n, v] for n, v in values if n != "payout"]  # too many to carry: ask again
    session[RESUME_KEY] = {"path": request.path, "form": values}


def take_resume(path: str) -> dict[str, list[str]] | None:
    """The form a step-up interrupted at `path` (once), as {field: [values]}; else None."""
    kept = session.get(RESUME_KEY)
    if not isinstance(kept, dict) or kept.get("path") != path:
        return None
    session.pop(RESUME_KEY, None)
    form: dict[str, list[str]] = {}
    for pair in kept.get("form") or []:
        if isinstance(pair, list) and len(pair) == 2:
            form.setdefault(str(pair[0]), []).append(str(pair[1]))
    return form


def step_up_required(back: Callable[..., str] | None = None,
                     keep: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Refuse the view until a fresh TOTP code; `back(**view_kwargs)` is where a refused POST
    returns after the code (defaults to the page itself for GET); `keep` names the form
    fields kept for that page to fill in again (see `take_resume`)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if is_fresh():
                return view(*args, **kwargs)
            if request.method == "GET":
                target = request.full_path.rstrip("?")
            else:
                target = back(**kwargs) if back else url_for("main.dashboard")
                if keep:
                    keep_for_resume(keep)
                flash(_("Confirm with your code, then do it again."), "warning")
            return redirect_to(url_for("auth.step_up", next=target))

        return wrapped  # type: ignore[return-value]

    return decorator
