"""Guarded actions on a user's admin page: approval limits, resetting the second factor, and
ending every session of the user."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.admin import bp, guarded
from webapp.admin.forms import ActionForm
from webapp.admin.security_forms import LimitForm
from webapp.admin.users import _user_or_404, _user_page
from webapp.audit import record, user_target
from webapp.auth.access import roles_required
from webapp.auth.sessions import end_all
from webapp.auth.stepup import step_up_required
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import Role, User


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _user_url(user_id: int) -> str:
    return url_for("admin.user", user_id=user_id)


def _requested() -> None:
    flash(_("Requested. It takes effect when another admin confirms it on the Pending "
            "changes page (within 24 hours)."), "info")


@bp.route("/users/<int:user_id>/limits", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=_user_url)
def set_limit(user_id: int) -> Response | tuple[str, int]:
    user = _user_or_404(user_id)
    form = LimitForm(prefix="limit")
    if not form.validate_on_submit():
        return _user_page(user, limit_form=form, status=422)
    currency = form.currency.data or ""
    if guarded.request_limit(user, currency, form.max_amount.data, _me()) is None:
        flash(_("Approval limit of %(name)s saved.", name=user.username), "success")
    else:
        _requested()
    db.session.commit()
    return redirect_to(_user_url(user.id))


@bp.route("/users/<int:user_id>/2fa/reset", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=_user_url)
def reset_two_factor(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    guarded.request_2fa_reset(user, _me())
    db.session.commit()
    _requested()
    return redirect_to(_user_url(user.id))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_user_sessions(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    count = end_all(user, "admin")
    record("sessions_ended", target=user_target(user), details={"count": count, "by": "admin"})
    db.session.commit()
    flash(_("Every session of %(name)s is ended.", name=user.username), "success")
    return redirect_to(_user_url(user.id))
