"""/payouts/new: pick currency and amount, then a service, then fill in its form and submit.

One URL serves both worlds: plain GETs and form posts get the full page; htmx gets the region
that changed (`_services.html` for a GET, `_service_form.html` for a POST). The service is always
re-resolved from the provider's pre-request, never taken from what the browser sent about it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import UUID, Optional

from webapp.audit import record
from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.htmx import redirect_to, render_page
from webapp.models import Payout, Role
from webapp.new_payout.forms import PayoutFormBase, StartForm, build_payout_form
from webapp.payout_core.create import PayoutDraft, payout_for_submission, submit_payout
from webapp.payout_core.prerequest import (
    MethodGroup,
    ServiceChoice,
    fetch_prerequest,
    group_services,
)
from webapp.provider.errors import ProviderError
from webapp.provider.types import Prerequest

bp = Blueprint("new_payout", __name__, url_prefix="/payouts")

log = logging.getLogger(__name__)

FULL_PAGE = "new_payout/new.html"


class SubmitTargetForm(StartForm):
    """What a posted payout form claims to be about, read before its own form class exists."""

    submission_token = HiddenField(validators=[Optional(), UUID()])


@dataclass
class NewPayoutPage:
    """Everything the page and its fragments show."""

    start: StartForm
    searched: bool = False  # currency and amount were given
    amount: Decimal | None = None
    groups: list[MethodGroup] | None = None
    provider_error: bool = False
    chosen: ServiceChoice | None = None
    service_missing: bool = False
    form: PayoutFormBase | None = None
    retry_values: list[tuple[str, str]] | None = None  # a post to repeat after a failure

    @property
    def amount_text(self) -> str:
        return "" if self.amount is None else format(self.amount, "f")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _new_form(page: NewPayoutPage, choice: ServiceChoice) -> PayoutFormBase:
    form_class = build_payout_form(choice.service, _language())
    return form_class(formdata=None, data={
        "currency": page.start.currency.data, "amount": page.amount_text,
        "service": choice.service.code, "submission_token": str(uuid.uuid4()),
    })


def _choose(page: NewPayoutPage, answer: Prerequest, code: str | None) -> None:
    """Fill the list and, when `code` names a service that fits, note it as chosen."""
    assert page.amount is not None
    page.groups = group_services(answer, page.amount, _language())
    if not code:
        return
    page.chosen = next((c for g in page.groups for c in g.choices if c.service.code == code),
                       None)
    page.service_missing = page.chosen is None or not page.chosen.selectable


def _lookup(page: NewPayoutPage) -> Prerequest | None:
    assert page.amount is not None
    try:
        return fetch_prerequest(page.start.currency.data, page.amount)
    except ProviderError as exc:
        log.warning("Payout pre-request failed (%s): %s", type(exc).__name__, exc.message)
        page.provider_error = True
        return None


@bp.route("/new", methods=["GET"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def new() -> str:
    """Step 1 and 2: the list of services for ?currency&amount, and ?service's empty form."""
    page = NewPayoutPage(start=StartForm(formdata=request.args or None))
    page.searched = bool(request.args)
    if page.searched and page.start.validate():
        page.amount = page.start.amount_value()
        answer = _lookup(page)
        if answer is not None:
            _choose(page, answer, page.start.service.data)
            if page.chosen is not None and not page.service_missing:
                page.form = _new_form(page, page.chosen)
    return render_page(FULL_PAGE, "new_payout/_services.html", page=page)


def _already_submitted(token: str | None) -> Payout | None:
    return payout_for_submission(token) if token else None


@bp.route("/new", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def create() -> str | Response:
    """Step 3: validate everything again, store and send, or show the errors in place."""
    target = SubmitTargetForm(formdata=request.form)
    valid_target = target.validate()
    existing = None if target.submission_token.errors else _already_submitted(
        target.submission_token.data)
    if existing is not None:  # a second click or a reload: the payout already exists
        return redirect_to(url_for("payouts.detail", payout_id=existing.id))
    page = NewPayoutPage(start=target, searched=True)
    if not valid_target or not target.service.data:
        page.service_missing = True
        return _render_submit(page)
    page.amount = target.amount_value()
    answer = _lookup(page)
    if answer is None:
        page.retry_values = [(k, v) for k, v in request.form.items(multi=True)
                             if k != "csrf_token"]
        return _render_submit(page)
    _choose(page, answer, target.service.data)
    if page.chosen is None or page.service_missing:
        return _render_submit(page)
    form = build_payout_form(page.chosen.service, _language())()
    page.form = form
    if not form.validate_on_submit():
        return _render_submit(page)
    outcome = submit_payout(_draft(form), creator=current_user._get_current_object())
    if outcome.payout is not None and not outcome.duplicate:
        record("payout.created", target=f"payout:{outcome.payout.id}", details={
            "amount": str(outcome.payout.amount), "currency": outcome.payout.currency})
        db.session.commit()
    if outcome.payout is not None and not outcome.field_errors:
        return redirect_to(url_for("payouts.detail", payout_id=outcome.payout.id))
    if outcome.field_errors:
        form.apply_provider_errors(outcome.field_errors)
    else:
        form.form_errors.append(_("The payout could not be created. Please try again."))
    form.submission_token.data = str(uuid.uuid4())  # the provider created nothing: a new attempt
    return _render_submit(page)


def _draft(form: PayoutFormBase) -> PayoutDraft:
    return PayoutDraft(
        service=form.payout_service, currency=form.currency.data, amount=form.amount_value(),
        fields=form.recipient_values(), submission_token=form.submission_token.data,
        customer_reference_id=form.customer_reference_id.data or str(uuid.uuid4()),
        customer_name=form.customer_name.data or None,
        customer_email=form.customer_email.data or None,
        customer_phone=form.customer_phone.data or None,
        description=form.description.data or None,
    )


def _render_submit(page: NewPayoutPage) -> str:
    return render_page(FULL_PAGE, "new_payout/_service_form.html", page=page)
