"""Sign in at /login (throttled per username and per IP), sign out with a POST to /logout.

A user with two-factor sign-in is not signed in by the password alone: the session only notes
"second factor pending for user X" and /login/verify (webapp/auth/login_verify.py) finishes.
"""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import bp, throttle
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.auth.forms import LoginForm
from webapp.auth.passwords import verify_password
from webapp.auth.services import find_user
from webapp.auth.sessions import current_session, end_session, open_session
from webapp.extensions import db, limiter
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.models import User
from webapp.models.base import utcnow

PENDING_KEY = "pending_second_factor"
# The password step is good for this long; then the password must be typed again.
PENDING_SECONDS = 300
# Failed sign-ins (password or second factor) spend one shared per-IP budget.
IP_SCOPE = "login"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.dashboard")


def start_session(user: User) -> None:
    """A fresh session for `user`: nothing from before sign-in survives except the language."""
    clear_session()
    open_session(user)
    db.session.commit()
    login_user(user, remember=False)
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity


def clear_session() -> None:
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def _await_second_factor(user: User) -> Response:
    """Password accepted: remember only who is half-way in, never sign them in yet."""
    clear_session()
    session[PENDING_KEY] = {"user_id": user.id, "since": time.time(),
                            "next": _safe_next(request.args.get("next"))}
    record("login_second_factor_asked", actor=user, target=user_target(user))
    db.session.commit()
    return redirect(url_for("auth.login_verify"), code=303)


def pending_user() -> tuple[User, str] | None:
    """The user waiting for their second factor (and where to go after), if not stale."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or user.disabled or not user.totp_enabled:
        return None
    return user, _safe_next(pending.get("next"))


def _refuse_locked(form: LoginForm, user: User | None) -> tuple[str, int]:
    """The same answer whether the name exists or not; the password is not even checked."""
    record("login_locked", actor=user, target=user_target(user) if user else None)
    db.session.commit()
    flash(_("Too many attempts. Try again in 15 minutes."), "error")
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(throttle.ip_limit, IP_SCOPE, methods=["POST"],
                      deduct_when=throttle.is_failed_login)
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    username = form.username.data or ""
    user = find_user(username)
    if throttle.is_locked(username):
        return _refuse_locked(form, user)
    ok = verify_password(user.password_hash if user else None, form.password.data or "")
    if user is not None and ok and not user.disabled and user.totp_enabled:
        # Earlier failures are forgotten only when the second factor is right too.
        return _await_second_factor(user)
    if user is not None and ok and not user.disabled:
        throttle.record_success(username)
        user.last_login_at = utcnow()
        record("login", actor=user, target=user_target(user))
        db.session.commit()
        start_session(user)
        return redirect(_safe_next(request.args.get("next")), code=303)
    reason = "unknown_user" if user is None else ("disabled" if ok else "bad_password")
    # An unknown name is not stored: people type passwords into the username box.
    record("login_failed", actor=user, target=user_target(user) if user else None,
           details={"reason": reason})
    db.session.commit()
    throttle.record_failure(username)
    flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@roles_required(*ANY_ROLE)
def logout() -> Response:
    """Ends this browser's session row, so a copy of the cookie is dead too."""
    user = current_user._get_current_object()
    row = current_session()
    if row is not None:
        end_session(row, "logout")
    record("logout", actor=user, target=user_target(user))
    db.session.commit()
    logout_user()
    clear_session()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"), code=303)
