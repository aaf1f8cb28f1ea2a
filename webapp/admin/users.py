"""/admin/users: list and create users, change roles, disable or enable, reset passwords."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.admin import bp, guarded, limits
from webapp.admin.forms import ActionForm, CreateUserForm, ResetPasswordForm, RolesForm
from webapp.admin.security_forms import LimitForm
from webapp.auth import services
from webapp.auth.access import roles_required
from webapp.auth.routes import start_session
from webapp.auth.sessions import active_sessions
from webapp.auth.stepup import step_up_required
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import Role, User


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
