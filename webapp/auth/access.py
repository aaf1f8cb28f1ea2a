"""Who may see what: the session loader and the role guard every route uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from webapp.extensions import login_manager
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
# Every role: for pages any signed-in person may use (profile, sign-out).
ANY_ROLE: tuple[Role, ...] = tuple(Role)
ROLE_NAMES = {
    Role.OPERATOR: _l("Operator"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Admin"),
    Role.AUDITOR: _l("Auditor"),
}


def role_label(role: Role | str) -> str:
    """A role's name in the reader's language (a template global)."""
    return str(ROLE_NAMES[Role(role)])


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Session ids are `user_id:session_token`; the token names a UserSession row, and an
    ended (or long idle) row makes the cookie anonymous."""
    from webapp.auth.sessions import find_active

    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = find_active(int(user_id), token)
    if row is None:
        return None
    user = row.user
    if user is None or user.disabled:
        return None
    user.session_token = row.token
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Logged in and holding at least one of `roles`, else 403 (anonymous: redirect to login;
    a user with no role at all: to the page that says which grant waits for whom)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.roles:  # nothing granted yet: say what waits, not "403"
                return redirect(url_for("auth.waiting_for_role"))
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
