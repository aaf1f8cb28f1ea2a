"""/recipients: the book (search), a recipient's page (details, history, totals), adding and
changing recipients and their payment details, and "Save recipient" from a payout.

Who sees what: operators and managers manage the book and may open full payment details on a
recipient's own page; auditors read it masked; admins see names only, no payment details."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import Payout, Recipient, RecipientDetail, Role
from webapp.models.status import ENDED_UNPAID
from webapp.new_payout.forms import StartForm
from webapp.payout_core.account_services import payout_currencies
from webapp.payout_core.prerequest import fetch_prerequest, group_services
from webapp.payout_core.scope import visible_payout_or_404
from webapp.payout_core.secrets import decrypt_fields
from webapp.provider.errors import ProviderError
from webapp.recipients import services
from webapp.recipients.book import history, list_mask, search, shown_in_full, totals
from webapp.recipients.forms import ConfirmForm, RecipientForm, details_form

bp = Blueprint("recipients", __name__, url_prefix="/recipients")
log = logging.getLogger(__name__)

MANAGE = (Role.OPERATOR, Role.MANAGER)
READ = (Role.OPERATOR, Role.MANAGER, Role.AUDITOR, Role.ADMIN)


@bp.app_template_global("can_fix")
def can_fix(payout: Payout) -> bool:
    """"Fix and resend" is offered for payouts that ended unpaid (rejected or failed)."""
    return payout.status_enum in ENDED_UNPAID


def _sees_details() -> bool:
    """Admins administer accounts, not money: no payment details, not even masked."""
    return current_user.has_role(Role.OPERATOR, Role.MANAGER, Role.AUDITOR)


def _may_manage() -> bool:
    return current_user.has_role(*MANAGE) and not current_user.roles_conflict


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _recipient_or_404(recipient_id: int) -> Recipient:
    return db.get_or_404(Recipient, recipient_id)


@bp.route("/")
@roles_required(*READ)
def index() -> str:
    query = request.args.get("q", "")[:64]
    recipients = db.session.scalars(search(query)).all()
    return render_template("recipients/list.html", recipients=recipients, query=query,
                           sees_details=_sees_details(), may_manage=_may_manage(),
                           list_mask=list_mask)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGE)
def new() -> str | Response:
    form = RecipientForm()
    if form.validate_on_submit():
        try:
            recipient = services.create_recipient(form.data, current_user._get_current_object())
        except services.ReferenceTaken:
            form.reference.errors = [_("Another recipient already has this reference.")]
        else:
            flash(_("Recipient saved. Add their payment details."), "info")
            return redirect_to(url_for("recipients.add_details", recipient_id=recipient.id))
    return render_template("recipients/edit.html", form=form, recipient=None)


@bp.route("/<int:recipient_id>")
@roles_required(*READ)
def detail(recipient_id: int) -> str:
    recipient = _recipient_or_404(recipient_id)
    full = request.args.get("full") == "1" and _may_manage()
    if full:
        services.details_viewed(recipient, current_user._get_current_object())
    values = {d.id: shown_in_full(decrypt_fields(d.fields_encrypted))
              for d in recipient.details} if full else {}
    return render_template(
        "recipients/detail.html", recipient=recipient, full=full, values=values,
        sees_details=_sees_details(), may_manage=_may_manage(),
        payouts=history(recipient.id, current_user), totals=totals(recipient.id, current_user),
        confirm=ConfirmForm())


@bp.route("/<int:recipient_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGE)
def edit(recipient_id: int) -> str | Response:
    recipient = _recipient_or_404(recipient_id)
    form = RecipientForm(obj=recipient)
    if form.validate_on_submit():
        try:
            services.update_recipient(recipient, form.data, current_user._get_current_object())
        except services.ReferenceTaken:
            form.reference.errors = [_("Another recipient already has this reference.")]
        else:
            flash(_("Recipient updated."), "info")
            return redirect_to(url_for("recipients.detail", recipient_id=recipient.id))
    return render_template("recipients/edit.html", form=form, recipient=recipient)


@bp.route("/<int:recipient_id>/archive", methods=["POST"])
@roles_required(*MANAGE)
def archive(recipient_id: int) -> Response:
    recipient = _recipient_or_404(recipient_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_archived(recipient, request.form.get("restore") != "1",
                          current_user._get_current_object())
    return redirect_to(url_for("recipients.detail", recipient_id=recipient.id))


@bp.route("/<int:recipient_id>/details/<int:detail_id>/remove", methods=["POST"])
@roles_required(*MANAGE)
def remove_detail(recipient_id: int, detail_id: int) -> Response:
    recipient = _recipient_or_404(recipient_id)
    found = db.session.get(RecipientDetail, detail_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if found is not None and found.recipient_id == recipient.id:  # gone already: a 2nd click
        services.remove_detail(found, current_user._get_current_object())
    flash(_("Payment details removed."), "info")
    return redirect_to(url_for("recipients.detail", recipient_id=recipient_id))


@bp.route("/<int:recipient_id>/details/new", methods=["GET", "POST"])
@roles_required(*MANAGE)
def add_details(recipient_id: int) -> str | Response:
    """Currency and a typical amount list the services (the provider's current pre-request);
    the chosen service's own form, the same as a payout's, takes the values."""
    recipient = _recipient_or_404(recipient_id)
    source = request.form if request.method == "POST" else request.args
    start = StartForm(formdata=source or None, meta={"csrf": False})
    start.currency.choices = payout_currencies()
    groups, chosen, form, provider_error = None, None, None, False
    if source and start.validate():
        try:
            answer = fetch_prerequest(start.currency.data, start.amount_value())
        except ProviderError as exc:
            log.warning("Pre-request failed (%s)", type(exc).__name__)
            provider_error = True
        else:
            groups = group_services(answer, start.amount_value(), _language())
            chosen = next((c for g in groups for c in g.choices
                           if c.service.code == start.service.data and c.selectable), None)
    if chosen is not None:
        form_class = details_form(chosen.service, _language())
        form = form_class() if request.method == "POST" else form_class(
            formdata=None, data={"currency": start.currency.data, "amount": start.amount.data,
                                 "service": chosen.service.code})
        if request.method == "POST" and form.validate():
            services.add_detail(recipient, chosen.service, start.currency.data,
                                form.recipient_values(), form.amount_value(),
                                current_user._get_current_object())
            flash(_("Payment details saved."), "info")
            return redirect_to(url_for("recipients.detail", recipient_id=recipient.id))
    return render_template("recipients/add_details.html", recipient=recipient, start=start,
                           groups=groups, chosen=chosen, form=form,
                           provider_error=provider_error)


@bp.route("/from-payout/<int:payout_id>", methods=["POST"])
@roles_required(*MANAGE)
def from_payout(payout_id: int) -> Response:
    payout = visible_payout_or_404(current_user, payout_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    recipient = services.save_from_payout(payout, current_user._get_current_object())
    flash(_("Recipient saved."), "info")
    return redirect_to(url_for("recipients.detail", recipient_id=recipient.id))
