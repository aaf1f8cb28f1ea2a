"""/payouts/new: pick currency and amount, then a service, fill in its form, review, create.

One URL serves both worlds: plain GETs and form posts get the full page; htmx gets the region
that changed (`_services.html`). The service is always re-resolved from the provider's
pre-request, never taken from what the browser sent about it.

A posted form names its step in `action`: `continue` (validate, then show the review),
`change` (back to the form with every value kept), `amount` (a new amount: keep the service and
the typed values, re-check only the limits) and `create` (validate again and create). Only
`create` stores anything, and the submission token makes a repeated `create` harmless.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from flask import Blueprint, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import UUID, Optional

from webapp.audit import record
from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.form_tokens import belongs_to
from webapp.form_tokens import issue as issue_token
from webapp.htmx import is_partial_request, redirect_to, render_page
from webapp.models import Payout, Role
from webapp.models.payout import stored_amount
from webapp.new_payout.forms import FIELD_PREFIX, PayoutFormBase, StartForm, build_payout_form
from webapp.new_payout.new_page import NewPayoutPage, choose, language, lookup
from webapp.new_payout.prefill import from_args as prefill_from
from webapp.new_payout.prefill import record_links
from webapp.new_payout.scrub import no_store, scrub_form, scrub_pairs
from webapp.payout_core.account_services import payout_currencies
from webapp.payout_core.create import PayoutDraft, submission_of, submit_payout
from webapp.payout_core.duplicates import possible_duplicates
from webapp.payout_core.money import AmountError, parse_amount
from webapp.recipients.book import recipients_of

bp = Blueprint("new_payout", __name__, url_prefix="/payouts")

log = logging.getLogger(__name__)

FULL_PAGE = "new_payout/new.html"
FRAGMENT = "new_payout/_services.html"
ACTIONS = ("continue", "change", "amount", "create")


class SubmitTargetForm(StartForm):
    """What a posted payout form claims to be about, read before its own form class exists."""

    submission_token = HiddenField(validators=[Optional(), UUID()])
    checked_amount = HiddenField()  # the last amount the form was shown for


def _new_form(page: NewPayoutPage) -> PayoutFormBase:
    """The chosen service's empty form, or filled from `page.prefill` (drift noted there)."""
    assert page.chosen is not None
    form_class = build_payout_form(page.chosen.service, language())
    data = {} if page.prefill is None else page.prefill.form_data(page.chosen.service,
                                                                   FIELD_PREFIX)
    form = form_class(formdata=None, data={
        **data,
        "currency": page.start.currency.data, "amount": page.start.amount.data,
        "service": page.chosen.service.code, "submission_token": issue_token(current_user.id),
    })
    if page.prefill is not None:
        scrub_form(form)  # a saved card number or code is typed again, never put in a page
    return form


@bp.route("/new", methods=["GET"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def new() -> str | Response:
    """Step 1 and 2: the list of services for ?currency&amount, and ?service's empty form;
    with ?saved, ?again or ?fix the form comes filled in (see prefill.py)."""
    prefill = prefill_from(request.args, current_user._get_current_object())
    args = request.args if prefill is None else prefill.start_args(request.args)
    start = StartForm(formdata=args or None)
    start.currency.choices = payout_currencies()
    page = NewPayoutPage(start=start, query=request.args.get("q", ""), prefill=prefill)
    page.searched = bool(args)
    if page.searched and start.validate():
        page.amount = start.amount_value()
        answer = lookup(page, page.amount)
        if answer is not None:
            choose(page, answer, start.service.data)
            if prefill is not None and page.chosen is None:
                prefill.service_gone = True
            if page.chosen is not None and page.chosen.selectable:
                page.form = _new_form(page)
    if prefill is not None:  # saved values (cards too) are on this page: never cached
        return no_store(make_response(_render(page)))
    return _render(page)


def _already_submitted(token: str | None) -> int | None:
    """The id of the payout this user's form already produced (a second click, a reload)."""
    found = submission_of(token) if token else None
    return found.payout_id if found is not None and found.made_by(current_user.id) else None


def _refuse_foreign_token(token: str) -> Response:
    """A token issued to someone else: refused, audited, nothing stored or sent."""
    record("payout.submission_token_refused", details={"token": token[:64]})
    db.session.commit()
    flash(_("This form was opened by another user. Open New payout again."), "error")
    return redirect_to(url_for("new_payout.new"))


def _shown_amount(target: SubmitTargetForm) -> Decimal | None:
    """The amount to fetch the service with: the typed one if valid, else the one the form was
    last shown for (so a mistyped amount keeps the form and only the amount shows an error)."""
    if not target.amount.errors and not target.currency.errors and target.amount.data:
        return target.amount_value()
    try:
        return parse_amount(target.checked_amount.data, target.currency.data or "")
    except AmountError:
        return None


@bp.route("/new", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def create() -> str | Response:
    """Steps 3 and 4: check, review, create; or show the errors in place."""
    action = request.form.get("action", "continue")
    action = action if action in ACTIONS else "continue"
    target = SubmitTargetForm(formdata=request.form)
    target.currency.choices = payout_currencies()
    target.validate()
    token = target.submission_token.data
    if token and not target.submission_token.errors and not belongs_to(token, current_user.id):
        return _refuse_foreign_token(token)
    existing = None if target.submission_token.errors else _already_submitted(
        target.submission_token.data)
    if existing is not None:  # a second click or a reload: the payout already exists
        return redirect_to(url_for("payouts.detail", payout_id=existing))
    page = NewPayoutPage(start=target, searched=True, posted=True)
    amount = _shown_amount(target)
    if amount is None or target.currency.errors or not target.service.data:
        page.service_missing = True
        return _render_submit(page)
    page.amount = amount
    answer = lookup(page, amount)
    if answer is None:
        page.retry_values = [(k, v) for k, v in request.form.items(multi=True)
                             if k != "csrf_token"]
        return _render_submit(page, retry=True)
    choose(page, answer, target.service.data)
    if page.chosen is None and target.checked_amount.data:
        _choose_at_checked_amount(page, target)  # the new amount is outside its limits
    if page.chosen is None or not page.chosen.available:
        page.service_missing = True
        return _render_submit(page)
    form = build_payout_form(page.chosen.service, language())()
    page.form = form
    valid = form.validate()
    if action in ("change", "amount"):
        _keep_only_amount_errors(form, show_amount=action == "amount")
        return _render_submit(page)
    if not valid:
        page.failed = True
        return _render_submit(page)
    page.duplicates = possible_duplicates(form.payout_service.code, form.currency.data,
                                          form.amount_value(), form.recipient_values())
    page.duplicate_recipients = recipients_of([p.id for p in page.duplicates])
    if action == "create" and not _duplicate_confirmed(page, form):
        page.review = True
        return _render_submit(page)
    if action != "create":
        page.review = True
        return _render_submit(page)
    return _create(page, form, _draft(form, page.duplicates))


def _choose_at_checked_amount(page: NewPayoutPage, target: SubmitTargetForm) -> None:
    try:
        previous = parse_amount(target.checked_amount.data, target.currency.data or "")
    except AmountError:
        return
    answer = lookup(page, previous)
    if answer is not None:
        choose(page, answer, target.service.data, check_amount=page.amount)


def _keep_only_amount_errors(form: PayoutFormBase, *, show_amount: bool) -> None:
    """Back to the form: values kept, no complaints about fields nobody has finished yet."""
    for field in form:
        if field.name != "amount" or not show_amount:
            field.errors = []
    form.form_errors.clear()


def _duplicate_confirmed(page: NewPayoutPage, form: PayoutFormBase) -> bool:
    if not page.duplicates:
        return True
    if not form.confirm_duplicate.data:
        form.confirm_duplicate.errors = [_("Confirm that this is not a duplicate, or change "
                                           "the payout.")]
        return False
    if not form.duplicate_reason.data:
        form.duplicate_reason.errors = [_("Say why this payout is not a duplicate.")]
        return False
    return True


def _create(page: NewPayoutPage, form: PayoutFormBase, draft: PayoutDraft) -> str | Response:
    creator = current_user._get_current_object()

    def note_creation(payout: Payout) -> None:
        """In the commit that stores the payout: its audit line and links, never one without
        the other (and no third commit per create)."""
        source = {"copy_of": form.copy_of.data, "copy_kind": form.copy_kind.data,
                  "saved_detail": form.saved_detail.data}
        record("payout.created", target=f"payout:{payout.id}", details={
            "amount": str(stored_amount(payout.amount)), "currency": payout.currency,
            **{key: value for key, value in source.items() if value}})
        record_links(payout, creator, saved_detail=form.saved_detail.data,
                     copy_of=form.copy_of.data, copy_kind=form.copy_kind.data)

    outcome = submit_payout(draft, creator=creator, also_store=note_creation)
    if outcome.payout is not None and not outcome.field_errors:
        return redirect_to(url_for("payouts.detail", payout_id=outcome.payout_id))
    if outcome.field_errors:
        form.apply_provider_errors(outcome.field_errors)
    else:
        form.form_errors.append(_("The payout could not be created. Please try again."))
    # The provider created nothing: a new attempt.
    form.submission_token.data = issue_token(current_user.id)
    page.failed = True
    return _render_submit(page, retry=True)


def _draft(form: PayoutFormBase, duplicates: list[Payout]) -> PayoutDraft:
    return PayoutDraft(
        service=form.payout_service, currency=form.currency.data, amount=form.amount_value(),
        fields=form.recipient_values(), submission_token=form.submission_token.data,
        customer_reference_id=form.customer_reference_id.data or str(uuid.uuid4()),
        customer_name=form.customer_name.data or None,
        customer_email=form.customer_email.data or None,
        customer_phone=form.customer_phone.data or None,
        description=form.description.data or None,
        duplicate_of=tuple(p.id for p in duplicates),
        duplicate_reason=form.duplicate_reason.data if duplicates else None,
    )


def _render(page: NewPayoutPage) -> str:
    return render_page(FULL_PAGE, FRAGMENT, page=page, is_partial=is_partial_request())


def _render_submit(page: NewPayoutPage, *, retry: bool = False) -> Response:
    """A submit that comes back is never stored by the browser (`no-store`); one that comes
    back because the provider failed (a page to try again from) carries no full card number
    or security code either."""
    if retry and page.form is not None:
        scrub_form(page.form)
    if retry and page.retry_values is not None:
        page.retry_values, page.retry_dropped = scrub_pairs(page.retry_values)
    return no_store(make_response(_render(page)))
