"""/admin/users: list and create users, change roles, disable or enable, reset passwords.

/admin/audit: the append-only audit log, newest first, filtered by action and user.

Read-only by design: no route here (or anywhere) changes or deletes an audit row.

/admin/pending: privileged changes waiting for a second admin; confirm or cancel them.

Guarded actions on a user's admin page: approval limits, resetting the second factor, and
ending every session of the user."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from webapp.admin import guarded, limits
from webapp.admin.audit_wording import audit_sentence
from webapp.admin.forms import (
    ActionForm,
    AuditFilterForm,
    CreateUserForm,
    ResetPasswordForm,
    RolesForm,
)
from webapp.admin.security_forms import LimitForm
from webapp.audit import ACTION_LABELS, action_label, record, user_target
from webapp.auth import services
from webapp.auth.access import roles_required
from webapp.auth.services import AccountError
from webapp.auth.sessions import active_sessions, end_all, start_session
from webapp.auth.stepup import step_up_required
from webapp.extensions import db
from webapp.htmx import redirect_to, render_page
from webapp.models import AuditEvent, ChangeStatus, PendingChange, Role, User
from webapp.query_args import DB_INT_MAX, int_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _list_page(form: CreateUserForm, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=users, form=form,
                           action_form=ActionForm()), status


def _user_page(user: User, roles_form: RolesForm | None = None,
               password_form: ResetPasswordForm | None = None,
               limit_form: LimitForm | None = None, status: int = 200) -> tuple[str, int]:
    roles_form = roles_form or RolesForm(prefix="roles",
                                         data={"roles": sorted(r.value for r in user.roles)})
    password_form = password_form or ResetPasswordForm(prefix="pw")
    return render_template(
        "admin/user.html", user=user, roles_form=roles_form, password_form=password_form,
        action_form=ActionForm(), limit_form=limit_form or LimitForm(prefix="limit"),
        limits=limits.limits_of(user), sessions=active_sessions(user),
        pending=guarded.pending_for(user)), status


def _say_requested(change: object) -> None:
    if change is not None:
        flash(_("Granting manager or admin takes effect when another admin confirms it on "
                "the Pending changes page (within 24 hours)."), "info")


def _apply(change: Callable[[], None], done: str, back: str) -> Response:
    """Run an account change: commit and say `done`, or roll back and show the refusal."""
    try:
        change()
    except services.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect_to(back)


@bp.route("/users", methods=["GET"])
@roles_required(Role.ADMIN)
def users() -> tuple[str, int]:
    return _list_page(CreateUserForm())


@bp.route("/users/new", methods=["POST"])
@roles_required(Role.ADMIN)
def create_user() -> Response | tuple[str, int]:
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    wanted = {Role(value) for value in form.roles.data or []}
    # Privileged roles are not given at creation: they wait for a second admin like any grant.
    plain = wanted - guarded.PRIVILEGED_ROLES
    try:
        user = services.create_user(
            form.username.data or "", form.password.data or "", plain,
            actor=_me(), display_name=form.display_name.data, pending_roles=wanted - plain,
        )
        change = guarded.request_roles(user, wanted, _me()) if wanted != plain else None
    except services.AccountError as error:
        db.session.rollback()
        form.username.errors = [*form.username.errors, str(error)]
        return _list_page(form, 422)
    db.session.commit()
    flash(_("User %(name)s created.", name=user.username), "success")
    _say_requested(change)
    return redirect_to(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>", methods=["GET"])
@roles_required(Role.ADMIN)
def user(user_id: int) -> tuple[str, int]:
    return _user_page(_user_or_404(user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=lambda user_id: url_for("admin.user", user_id=user_id))
def set_roles(user_id: int) -> Response | tuple[str, int]:
    user = _user_or_404(user_id)
    form = RolesForm(prefix="roles")
    if not form.validate_on_submit():
        return _user_page(user, roles_form=form, status=422)
    roles = {Role(value) for value in form.roles.data or []}
    return _apply(lambda: _say_requested(guarded.request_roles(user, roles, actor=_me())),
                  _("Roles of %(name)s saved.", name=user.username),
                  url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def disable_user(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(lambda: services.disable_user(user, actor=_me()),
                  _("%(name)s is disabled and signed out.", name=user.username),
                  url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.ADMIN)
def enable_user(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(lambda: services.enable_user(user, actor=_me()),
                  _("%(name)s is enabled.", name=user.username),
                  url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Response | tuple[str, int]:
    user = _user_or_404(user_id)
    form = ResetPasswordForm(prefix="pw")
    form.policy_username = user.username
    if not form.validate_on_submit():
        return _user_page(user, password_form=form, status=422)
    me = _me()
    response = _apply(lambda: services.set_password(user, form.password.data or "", actor=me),
                      _("Password of %(name)s reset; their sessions are signed out.",
                        name=user.username),
                      url_for("admin.user", user_id=user.id))
    if user.id == me.id:
        start_session(user)  # resetting one's own password keeps this session signed in
    return response


PER_PAGE = 50


def _action_choices() -> list[SelectChoice]:
    seen = set(db.session.scalars(select(AuditEvent.action).distinct()))
    actions = sorted(seen | set(ACTION_LABELS))
    return [SelectChoice("", "—")] + [SelectChoice(a, action_label(a)) for a in actions]


def _filtered(form: AuditFilterForm) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.user.data:
        name = form.user.data.strip().lower()
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            func.lower(User.username) == name
        )
    return query


@bp.route("/audit", methods=["GET"])
@roles_required(Role.ADMIN, Role.AUDITOR)
def audit() -> str:
    form = AuditFilterForm(request.args)
    form.action.choices = _action_choices()
    if not form.validate():
        form = AuditFilterForm()
        form.action.choices = _action_choices()
    number = int_arg("page", 1, maximum=DB_INT_MAX // PER_PAGE) or 1
    page = db.paginate(_filtered(form), page=number,
                       per_page=PER_PAGE, error_out=False)
    filters = {k: v for k, v in {"action": form.action.data, "user": form.user.data}.items() if v}
    return render_page("admin/audit.html", "admin/_audit_table.html", page=page, form=form,
                       filters=filters, action_label=action_label,
                       audit_sentence=audit_sentence)


RECENT = 20


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
