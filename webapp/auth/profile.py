"""/profile: the signed-in person's language, time zone and password."""

from __future__ import annotations

from flask import flash, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import bp, throttle
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.auth.forms import ChangePasswordForm, PreferencesForm
from webapp.auth.passwords import verify_password
from webapp.auth.routes import start_session
from webapp.auth.services import set_password
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.models import User


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _forms(user: User) -> tuple[PreferencesForm, ChangePasswordForm]:
    prefs = PreferencesForm(prefix="prefs", data={
        "language": user.language or session.get(LANGUAGE_SESSION_KEY) or "en",
        "timezone": user.timezone or "UTC",
    })
    password = ChangePasswordForm(prefix="pw", username=user.username)
    return prefs, password


def _page(prefs: PreferencesForm, password: ChangePasswordForm, status: int = 200
          ) -> tuple[str, int]:
    return render_template("auth/profile.html", prefs=prefs, password=password), status


@bp.route("/profile", methods=["GET"])
@roles_required(*ANY_ROLE)
def profile() -> tuple[str, int]:
    return _page(*_forms(_me()))


@bp.route("/profile/preferences", methods=["POST"])
@roles_required(*ANY_ROLE)
def save_preferences() -> Response | tuple[str, int]:
    user = _me()
    prefs, password = _forms(user)
    if not prefs.validate_on_submit():
        return _page(prefs, password, 422)
    changes = {}
    if prefs.language.data != user.language:
        changes["language"] = prefs.language.data
    if prefs.timezone.data != user.timezone:
        changes["timezone"] = prefs.timezone.data
    if changes:
        user.language = prefs.language.data
        user.timezone = prefs.timezone.data
        session[LANGUAGE_SESSION_KEY] = user.language
        record("profile_updated", actor=user, target=user_target(user), details=changes)
        db.session.commit()
    flash(_("Your preferences are saved."), "success")
    return redirect_to(url_for("auth.profile"))


@bp.route("/profile/password", methods=["POST"])
@roles_required(*ANY_ROLE)
def change_password() -> Response | tuple[str, int]:
    """A new password ends every other session; this one is signed in again with the new token."""
    user = _me()
    prefs, password = _forms(user)
    if not password.validate_on_submit():
        return _page(prefs, password, 422)
    # Wrong current passwords count towards the same lockout as sign-in attempts.
    if throttle.is_locked(user.username):
        password.current_password.errors = [_("Too many attempts. Try again in 15 minutes.")]
        return _page(prefs, password, 429)
    if not verify_password(user.password_hash, password.current_password.data or ""):
        throttle.record_failure(user.username)
        password.current_password.errors = [_("The current password is wrong.")]
        return _page(prefs, password, 422)
    set_password(user, password.new_password.data or "", actor=user)
    db.session.commit()
    start_session(user)
    flash(_("Your password is changed. Other sessions are signed out."), "success")
    return redirect_to(url_for("auth.profile"))
