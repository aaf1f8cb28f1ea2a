"""Inbox, the unread count the navigation polls, and one's e-mail address and preferences."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.extensions import db
from webapp.htmx import is_partial_request, redirect_to, render_page
from webapp.models import Role, User
from webapp.models.notification import Digest
from webapp.notifications import addresses, inbox, jobs
from webapp.notifications.confirmation import send_confirmation
from webapp.notifications.events import EVENT_NAMES, Event, wording
from webapp.notifications.forms import AddressForm, preferences_form
from webapp.notifications.preferences import DIGESTIBLE, preferences_of, set_preference
from webapp.notifications.render import link_of

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.record_once(jobs.install)
bp.add_app_template_global(addresses.address_of, "notification_address")


@bp.route("/", endpoint="inbox")
@roles_required(*ANY_ROLE)
def inbox_page() -> str:
    rows = inbox.latest(current_user.id)
    items = [(row, wording(row.event, row.params), link_of(row)) for row in rows]
    return render_page("notifications/inbox.html", "notifications/_list.html", items=items,
                       unread=inbox.unread_count(current_user.id))


@bp.route("/count")
@roles_required(*ANY_ROLE)
def count() -> str | Response:
    """The navigation's badge (htmx polls it); without htmx, the inbox itself."""
    if not is_partial_request():
        return redirect(url_for("notifications.inbox"), code=303)
    return render_template("notifications/_count.html",
                           unread=inbox.unread_count(current_user.id))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@roles_required(*ANY_ROLE)
def read_one(notification_id: int) -> Response:
    if not inbox.mark_read(current_user.id, notification_id):
        abort(404)
    target = request.form.get("next")
    return redirect_to(target if target and target.startswith("/") and not target.startswith(
        "//") else url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@roles_required(*ANY_ROLE)
def read_all() -> Response:
    inbox.mark_read(current_user.id)
    return redirect_to(url_for("notifications.inbox"))


def _settings_page(address_form: AddressForm, prefs_form: object, status: int = 200
                   ) -> tuple[str, int]:
    return render_template(
        "notifications/settings.html", address_form=address_form, prefs_form=prefs_form,
        address=addresses.address_of(current_user.id),
        pending=addresses.pending_of(current_user.id), events=list(Event),
        names=EVENT_NAMES, digestible=DIGESTIBLE,
        email_on=bool(current_app.config.get("SMTP_URL"))), status


@bp.route("/settings")
@roles_required(*ANY_ROLE)
def settings() -> tuple[str, int]:
    return _settings_page(AddressForm(), preferences_form(preferences_of(current_user.id)))


@bp.route("/settings/address", methods=["POST"])
@roles_required(*ANY_ROLE)
def change_address() -> Response | tuple[str, int]:
    """A new address is used only once its owner follows the link sent to it."""
    form = AddressForm()
    if not form.validate_on_submit():
        return _settings_page(form, preferences_form(preferences_of(current_user.id)), 422)
    new = (form.address.data or "").strip()
    if not new:
        addresses.set_address(current_user.id, None)
        record("email_removed", actor=current_user, target=f"user:{current_user.id}")
        db.session.commit()
        flash(_("Your e-mail address is removed; notifications stay in the inbox."), "success")
        return redirect_to(url_for("notifications.settings"))
    token = addresses.request_change(current_user.id, new)
    record("email_change_requested", actor=current_user, target=f"user:{current_user.id}")
    db.session.commit()
    send_confirmation(current_user.id, token)
    flash(_("We sent a link to %(address)s. The address is used once you open it.",
            address=new), "success")
    return redirect_to(url_for("notifications.settings"))


@bp.route("/confirm/<token>")
def confirm_page(token: str) -> str:
    """The link from the e-mail: a page with one button (a GET never writes). Signed out, it
    says to sign in first and come back (the link names no account)."""
    signed_in = current_user.is_authenticated
    return render_template(
        "notifications/confirm.html", token=token, signed_in=signed_in,
        pending=addresses.pending_of(current_user.id) if signed_in else None,
        login_url=url_for("auth.login", next=request.path))


@bp.route("/confirm/<token>", methods=["POST"])
@roles_required(*ANY_ROLE)
def confirm(token: str) -> Response:
    """Confirming (signed in as the same person) makes the address theirs."""
    address = addresses.confirm(current_user.id, token)
    if address is None:
        flash(_("This confirmation link is not valid (any more)."), "error")
    else:
        record("email_confirmed", actor=current_user, target=f"user:{current_user.id}")
        db.session.commit()
        flash(_("Your e-mail address %(address)s is confirmed.", address=address), "success")
    return redirect_to(url_for("notifications.settings"))


@bp.route("/settings/preferences", methods=["POST"])
@roles_required(*ANY_ROLE)
def save_preferences() -> Response | tuple[str, int]:
    form = preferences_form(preferences_of(current_user.id))
    if not form.validate_on_submit():
        return _settings_page(AddressForm(), form, 422)
    for event in Event:
        email = bool(getattr(form, f"email_{event.value}").data)
        digest = Digest(getattr(form, f"digest_{event.value}").data) if event in DIGESTIBLE \
            else Digest.IMMEDIATE
        set_preference(current_user.id, event, email, digest)
    db.session.commit()
    flash(_("Your notification settings are saved."), "success")
    return redirect_to(url_for("notifications.settings"))


@bp.route("/admin/users/<int:user_id>/address", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_set_address(user_id: int) -> Response | tuple[str, int]:
    """An admin sets (or clears) someone's notification address: used for e-mail only, never
    to sign in or recover an account, so it needs no second admin; it is audited."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = AddressForm()
    if not form.validate_on_submit():
        flash(_("Enter an e-mail address like name@example.com."), "error")
        return redirect_to(url_for("admin.user", user_id=user_id))
    addresses.set_address(user.id, (form.address.data or "").strip() or None)
    record("email_set_by_admin", actor=current_user, target=user_target(user))
    db.session.commit()
    flash(_("E-mail address of %(name)s saved.", name=user.username), "success")
    return redirect_to(url_for("admin.user", user_id=user_id))
