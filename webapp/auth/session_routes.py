"""/account/sessions: where this person is signed in, and "sign out everywhere"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import bp
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.auth.routes import clear_session
from webapp.auth.sessions import active_sessions, current_session, end_all
from webapp.auth.twofactor_forms import ButtonForm
from webapp.extensions import db
from webapp.models import User


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/account/sessions", methods=["GET"])
@roles_required(*ANY_ROLE)
def sessions() -> str:
    here = current_session()
    return render_template("auth/sessions.html", sessions=active_sessions(_me()),
                           current_id=here.id if here else None, action_form=ButtonForm())


@bp.route("/account/sessions/end-all", methods=["POST"])
@roles_required(*ANY_ROLE)
def end_all_sessions() -> Response:
    """Every session of this person ends, this one included."""
    user = _me()
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = end_all(user, "everywhere")
    record("sessions_ended", actor=user, target=user_target(user),
           details={"count": count, "by": "self"})
    db.session.commit()
    logout_user()
    clear_session()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("auth.login"), code=303)
