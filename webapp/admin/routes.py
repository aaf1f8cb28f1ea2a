"""Admin pages.

/admin/users: list users, ask for a new user, change roles, disable, and ask for a password
reset or for enabling an account. Creating a user, resetting a password and enabling an account
could let one admin act as someone else, so each needs a fresh step-up and waits for a second
admin (webapp/admin/guarded.py); the confirmed request yields a one-time set-up link on which
the user chooses a password.

/admin/audit: the append-only audit log, newest first, filtered by action and user.
Read-only by design: no route here (or anywhere) changes or deletes an audit row.

/admin/pending: privileged changes waiting for a second admin; confirm or cancel them.

Guarded actions on a user's admin page: approval limits, resetting the second factor, and
ending every session of the user."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from webapp.admin import guarded, limits
from webapp.admin.audit_wording import audit_sentence
from webapp.admin.forms import ActionForm, AuditFilterForm, CreateUserForm, RolesForm
from webapp.admin.security_forms import LimitForm
from webapp.audit import ACTION_LABELS, action_label, record, user_target
from webapp.auth import services
from webapp.auth.access import roles_required
from webapp.auth.services import AccountError
from webapp.auth.sessions import active_sessions, end_all
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


def _user_url(user_id: int) -> str:
    return url_for("admin.user", user_id=user_id)


def _list_page(form: CreateUserForm, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=users, form=form,
                           action_form=ActionForm()), status


def _user_page(user: User, roles_form: RolesForm | None = None,
               limit_form: LimitForm | None = None, status: int = 200) -> tuple[str, int]:
    roles_form = roles_form or RolesForm(prefix="roles",
                                         data={"roles": sorted(r.value for r in user.roles)})
    return render_template(
        "admin/user.html", user=user, roles_form=roles_form,
        action_form=ActionForm(), limit_form=limit_form or LimitForm(prefix="limit"),
        limits=limits.limits_of(user), sessions=active_sessions(user),
        pending=guarded.pending_for(user)), status


def _say_requested(change: object) -> None:
    if change is not None:
        flash(_("Requested. It takes effect when another admin confirms it on the Pending "
                "changes page (within 24 hours)."), "info")


def _refused(action: str, user: User, error: services.AccountError) -> None:
    """A refusal: nothing changes, the reason is shown and audited."""
    db.session.rollback()
    record("account_action_refused", target=user_target(user),
           details={"action": action, "reason": str(error)})
    db.session.commit()
    flash(str(error), "error")


def _apply(action: str, user: User, change: Callable[[], object], done: str | None) -> Response:
    """Run an account change: commit and say `done` (or that it waits for a second admin)."""
    try:
        outcome = change()
    except services.AccountError as error:
        _refused(action, user, error)
    else:
        db.session.commit()
        if done:
            flash(done, "success")
        _say_requested(outcome)
    return redirect_to(_user_url(user.id))


@bp.route("/users", methods=["GET"])
@roles_required(Role.ADMIN)
def users() -> tuple[str, int]:
    return _list_page(CreateUserForm())


@bp.route("/users/new", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=lambda: url_for("admin.users"))
def create_user() -> Response | tuple[str, int]:
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    wanted = {Role(value) for value in form.roles.data or []}
    try:
        user, _change = guarded.request_new_user(form.username.data or "", wanted, _me(),
                                                 display_name=form.display_name.data)
    except services.AccountError as error:
        db.session.rollback()
        record("account_action_refused", details={
            "action": "create_user", "username": (form.username.data or "")[:64],
            "reason": str(error)})
        db.session.commit()
        form.username.errors = [*form.username.errors, str(error)]
        return _list_page(form, 422)
    db.session.commit()
    flash(_("User %(name)s requested. When another admin confirms, they receive a one-time "
            "set-up link to pass on; the user chooses their own password there.",
            name=user.username), "info")
    return redirect_to(_user_url(user.id))


@bp.route("/users/<int:user_id>", methods=["GET"])
@roles_required(Role.ADMIN)
def user(user_id: int) -> tuple[str, int]:
    return _user_page(_user_or_404(user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=_user_url)
def set_roles(user_id: int) -> Response | tuple[str, int]:
    user = _user_or_404(user_id)
    form = RolesForm(prefix="roles")
    if not form.validate_on_submit():
        return _user_page(user, roles_form=form, status=422)
    roles = {Role(value) for value in form.roles.data or []}
    return _apply("set_roles", user, lambda: guarded.request_roles(user, roles, actor=_me()),
                  _("Roles of %(name)s saved.", name=user.username))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def disable_user(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply("disable", user, lambda: services.disable_user(user, actor=_me()),
                  _("%(name)s is disabled and signed out.", name=user.username))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=_user_url)
def enable_user(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply("enable", user, lambda: guarded.request_enable(user, _me()), None)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=_user_url)
def reset_password(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)

    def ask() -> object:
        if user.id == _me().id:
            raise services.AccountError(_("Change your own password on your profile page."))
        return guarded.request_password_reset(user, _me())

    return _apply("reset_password", user, ask, None)


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
        token = guarded.confirm(change, _me())
    except guarded.GuardRefused as refused:
        db.session.commit()  # the refusal's audit row
        flash(str(refused), "error")
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if token is not None:
            return _setup_link_page(change, token)
        flash(_("Confirmed and applied."), "success")
    return redirect_to(_back())


def _setup_link_page(change: PendingChange, token: str) -> Response:
    """The set-up link, shown this once to the confirming admin (only its hash is stored)."""
    link = url_for("auth.setup_account", token=token, _external=True)
    response = make_response(render_template("admin/setup_link.html", change=change, link=link))
    response.headers["Cache-Control"] = "no-store"
    return response


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


@bp.route("/users/<int:user_id>/limits/<currency>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
@step_up_required(back=lambda user_id, currency: _user_url(user_id))
def remove_limit(user_id: int, currency: str) -> Response:
    """No row: the manager cannot approve in this currency any more (a lowering: at once)."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    currency = currency.upper()[:8]
    if limits.removal_raises(user, currency):
        record("account_action_refused", target=user_target(user),
               details={"action": "remove_limit", "currency": currency})
        db.session.commit()
        flash(_("Removing this line would let %(name)s approve more under the line for every "
                "currency. Set a lower amount instead.", name=user.username), "error")
    elif limits.remove(user, currency, _me()):
        flash(_("The %(currency)s line of %(name)s is removed.", name=user.username,
                currency=currency), "success")
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
