"""Step-up: money and privilege actions need a TOTP code typed within the last few minutes.

The time of the last good TOTP code is kept in the (signed) session. `step_up_required` sends a
request without a fresh one to /account/step-up. A POST cannot be replayed by a redirect, so
a view that names a `resume` action has its form held in the session (bound to the user, short
lived, taken once) and the step-up page runs that action itself right after a good code: the
action re-checks everything (policy, fingerprint, confirmation token) as if it had just been
posted, and answers with its own redirect and flash. What the person had chosen and typed (the
fields a view names in `keep`) is also kept for the page they return to when the held action
cannot run (expired, too large), so they can finish it with one press.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.htmx import redirect_to

F = TypeVar("F", bound=Callable[..., Any])
STEP_UP_KEY = "step_up_at"
RESUME_KEY = "step_up_resume"
HELD_KEY = "step_up_held_action"
HELD_SECONDS = 180  # how long an interrupted action may wait for its code
# What a held action runs: action(form, **view_kwargs) -> the response the view would give.
ResumableAction = Callable[..., Response]
_RESUMABLE: dict[str, ResumableAction] = {}
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


def _action_name(action: ResumableAction) -> str:
    return f"{action.__module__}:{action.__qualname__}"


def _form_pairs() -> list[list[str]]:
    return [[name, value] for name in request.form if name != "csrf_token"
            for value in request.form.getlist(name)]


def hold_action(action: ResumableAction, view_kwargs: dict[str, Any]) -> bool:
    """Hold this POST (its form and view arguments) for `resume_held_action`. False when the
    form is too large for the session cookie: then the person presses again after the code."""
    form = _form_pairs()
    if sum(len(name) + len(value) for name, value in form) > RESUME_MAX_CHARS:
        session.pop(HELD_KEY, None)
        return False
    session[HELD_KEY] = {"action": _action_name(action), "args": view_kwargs, "form": form,
                         "user": str(current_user.get_id()), "at": time.time()}
    return True


def resume_held_action(now: float | None = None) -> Response | None:
    """Run the action a step-up interrupted, once, for the same user, if it is recent; its
    response (redirect and flash) is returned. None when there is nothing to run."""
    held = session.pop(HELD_KEY, None)
    if not isinstance(held, dict):
        return None
    action = _RESUMABLE.get(str(held.get("action")))
    at = held.get("at")
    now = time.time() if now is None else now
    if (action is None or held.get("user") != str(current_user.get_id())
            or not isinstance(at, int | float) or not 0 <= now - at <= HELD_SECONDS
            or not isinstance(held.get("args"), dict)):
        return None
    session.pop(RESUME_KEY, None)  # done: nothing left for the page to fill in
    form = MultiDict([(str(pair[0]), str(pair[1])) for pair in held.get("form") or []
                      if isinstance(pair, list) and len(pair) == 2])
    return action(form, **held["args"])


def step_up_required(back: Callable[..., str] | None = None,
                     keep: tuple[str, ...] = (),
                     resume: ResumableAction | None = None) -> Callable[[F], F]:
    """Refuse the view until a fresh TOTP code; `back(**view_kwargs)` is where a refused POST
    returns after the code (defaults to the page itself for GET); `keep` names the form
    fields kept for that page to fill in again (see `take_resume`); `resume(form,
    **view_kwargs)` is run by the step-up page right after a good code (see
    `resume_held_action`)."""
    if resume is not None:
        _RESUMABLE[_action_name(resume)] = resume

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
                if resume is not None and hold_action(resume, kwargs):
                    flash(_("Confirm with your code to finish what you started."), "warning")
                else:
                    flash(_("Confirm with your code, then do it again."), "warning")
            return redirect_to(url_for("auth.step_up", next=target))

        return wrapped  # type: ignore[return-value]

    return decorator
