"""/admin/pending: privileged changes waiting for a second admin; confirm or cancel them."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.admin import bp, guarded
from webapp.admin.forms import ActionForm
from webapp.auth.access import roles_required
from webapp.auth.services import AccountError
from webapp.auth.stepup import step_up_required
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import ChangeStatus, PendingChange, Role, User

RECENT = 20


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _change_or_404(change_id: int) -> PendingChange:
    # Locks the request row (only it: the joined users stay unlocked) until the commit.
    change = db.session.scalar(select(PendingChange).where(PendingChange.id == change_id)
                               .with_for_update(of=PendingChange))
    if change is None:
        abort(404)
    return change


def _back() -> str:
    return url_for("admin.pending")


@bp.route("/pending", methods=["GET"])
@roles_required(Role.ADMIN)
def pending() -> str:
    if guarded.expire_stale():
        db.session.commit()
    decided = db.session.scalars(
        select(PendingChange).where(PendingChange.status != ChangeStatus.PENDING.value)
        .order_by(PendingChange.decided_at.desc(), PendingChange.id.desc()).limit(RECENT)).all()
    return render_template("admin/pending.html", changes=guarded.pending_for(),
                           decided=decided, action_form=ActionForm())


@bp.route("/pending/<int:change_id>/confirm", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=lambda change_id: _back())
def confirm_change(change_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    change = _change_or_404(change_id)
    try:
        guarded.confirm(change, _me())
    except guarded.GuardRefused as refused:
        db.session.commit()  # the refusal's audit row
        flash(str(refused), "error")
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Confirmed and applied."), "success")
    return redirect_to(_back())


@bp.route("/pending/<int:change_id>/cancel", methods=["POST"])
@roles_required(Role.ADMIN)
def cancel_change(change_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    change = _change_or_404(change_id)
    try:
        guarded.cancel(change, _me())
    except guarded.GuardRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(_("Request cancelled."), "success")
    return redirect_to(_back())
