"""Queue, single approve/reject, bulk reject and the two-step bulk approve. Rules live in
services.py; which payouts ended how is said in bulk.py's messages.

No form here has a money action as its implicit (Enter) submit unless it is the form's only
action: the queue's form rejects (Enter in its reason box can only reject) and its second
button only opens the confirmation; each row's approve button belongs to a form of its own."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.approvals.advice import payout_approval_advice, payout_quote_advice
from webapp.approvals.bulk import (
    Review,
    Selected,
    Tally,
    confirm_token,
    ids_text,
    parse_selection,
    review,
    token_matches,
)
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.queue import QueueFilters, filter_choices, totals, waiting_payouts
from webapp.approvals.services import ApprovalRefused, approve, reject
from webapp.auth.access import roles_required
from webapp.auth.stepup import is_fresh, step_up_required, take_resume
from webapp.htmx import redirect_to, render_page
from webapp.models import Role
from webapp.payout_core.duplicates import duplicate_flags
from webapp.payout_core.labels import failure_text
from webapp.payout_core.processing import ProcessAnswer
from webapp.query_args import int_arg

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
KEEP = ("payout", "reason")

bp.add_app_template_global(payout_approval_advice, "payout_approval_advice")
bp.add_app_template_global(payout_quote_advice, "payout_quote_advice")


def _filters() -> QueueFilters:
    return QueueFilters(
        currency=request.args.get("currency") or None,
        service=request.args.get("service") or None,
        creator=int_arg("creator"),
    )


@bp.route("/")
@roles_required(Role.MANAGER)
def queue() -> str:
    filters = _filters()
    payouts = waiting_payouts(filters)
    resumed = take_resume(url_for("approvals.bulk_reject")) or {}
    picked = {s.payout_id for s in parse_selection(resumed.get("payout", []))}
    return render_page(
        "approvals/queue.html", "approvals/_queue.html",
        payouts=payouts, totals=totals(filters), filters=filters, choices=filter_choices(),
        fingerprints={p.id: fingerprint_of(p) for p in payouts},
        duplicates=duplicate_flags(payouts),
        picked=picked, reason=(resumed.get("reason") or [""])[0], resumed=bool(resumed),
    )


def _approve_into(tally: Tally, payout_id: int, fingerprint: str) -> None:
    """Approve one payout and note how it ended (refusals by the rules are flashed)."""
    try:
        outcome = approve(payout_id, current_user, fingerprint, step_up_fresh=is_fresh())
    except ApprovalRefused as refused:
        flash(_("Payout %(id)s: %(reason)s", id=f"#{payout_id}", reason=str(refused)), "error")
        return
    if not outcome.fully_approved:
        tally.partial.append(payout_id)
    elif outcome.process_answer == ProcessAnswer.ACCEPTED:
        tally.approved.append(payout_id)
    elif outcome.process_answer == ProcessAnswer.REFUSED:
        tally.refused.append(payout_id)
        if outcome.failure:
            tally.reasons.append(failure_text(outcome.failure))
    else:
        tally.unclear.append(payout_id)


def _reject_into(tally: Tally, payout_id: int, reason: str, fingerprint: str) -> None:
    try:
        reject(payout_id, current_user, reason, fingerprint)
    except ApprovalRefused as refused:
        flash(_("Payout %(id)s: %(reason)s", id=f"#{payout_id}", reason=str(refused)), "error")
        return
    tally.rejected.append(payout_id)


def _say(tally: Tally) -> None:
    for text, category in tally.messages():
        flash(text, category)


def _back_to(form: MultiDict[str, str], payout_id: int) -> str:
    if form.get("back") == "queue":
        return url_for("approvals.queue")
    return url_for("payouts.detail", payout_id=payout_id)


# Each action takes its form explicitly: the step-up page runs it again from the form held
# when a code interrupted it (webapp.auth.stepup), with every rule checked anew.

def approve_one_action(form: MultiDict[str, str], payout_id: int) -> Response:
    tally = Tally()
    _approve_into(tally, payout_id, form.get("fingerprint", ""))
    _say(tally)
    return redirect_to(_back_to(form, payout_id))


def reject_one_action(form: MultiDict[str, str], payout_id: int) -> Response:
    tally = Tally()
    _reject_into(tally, payout_id, form.get("reason", ""), form.get("fingerprint", ""))
    _say(tally)
    return redirect_to(_back_to(form, payout_id))


def bulk_reject_action(form: MultiDict[str, str]) -> Response:
    """Reject the ticked payouts with the typed reason."""
    selection = parse_selection(form.getlist("payout"))
    reason = form.get("reason", "")
    if not selection:
        flash(_("Tick at least one payout."), "error")
        return redirect_to(url_for("approvals.queue"))
    tally = Tally()
    for chosen in selection:
        _reject_into(tally, chosen.payout_id, reason, chosen.fingerprint)
    _say(tally)
    return redirect_to(url_for("approvals.queue"))


def bulk_approve_action(form: MultiDict[str, str]) -> Response:
    """Approve exactly the confirmed selection (its token), each by the same rules."""
    selection = parse_selection(form.getlist("payout"))
    if not selection or not token_matches(form.get("confirm", ""), current_user.id,
                                          selection):
        flash(_("Confirm the selection first: review it, then approve."), "error")
        return redirect_to(url_for("approvals.queue"))
    tally = Tally()
    for chosen in selection:
        _approve_into(tally, chosen.payout_id, chosen.fingerprint)
    _say(tally)
    return redirect_to(url_for("approvals.queue"))


def _detail_page(payout_id: int) -> str:
    return url_for("payouts.detail", payout_id=payout_id)


@bp.route("/<int:payout_id>/approve", methods=["POST"], endpoint="approve")
@roles_required(Role.MANAGER)
@step_up_required(back=_detail_page, resume=approve_one_action)
def approve_one(payout_id: int) -> Response:
    return approve_one_action(request.form, payout_id)


@bp.route("/<int:payout_id>/reject", methods=["POST"], endpoint="reject")
@roles_required(Role.MANAGER)
@step_up_required(back=_detail_page, resume=reject_one_action)
def reject_one(payout_id: int) -> Response:
    return reject_one_action(request.form, payout_id)


@bp.route("/reject", methods=["POST"])
@roles_required(Role.MANAGER)
@step_up_required(back=lambda: url_for("approvals.queue"), keep=KEEP,
                  resume=bulk_reject_action)
def bulk_reject() -> Response:
    """The queue form's own action: reject the ticked payouts with the typed reason."""
    return bulk_reject_action(request.form)


def _confirmation(selection: list[Selected]) -> str | Response:
    found: Review = review(selection)
    if found.dropped:
        flash(_("Left out, because they changed or no longer wait: %(ids)s.",
                ids=ids_text(found.dropped)), "warning")
    if not found.payouts:
        flash(_("Tick at least one payout."), "error")
        return redirect_to(url_for("approvals.queue"))
    return render_page("approvals/review.html", "approvals/_review.html", review=found,
                       token=confirm_token(current_user.id, found.selection))


@bp.route("/review", methods=["POST"])
@roles_required(Role.MANAGER)
def bulk_review() -> str | Response:
    """Step one of bulk approve: count and totals per currency; nothing is sent yet."""
    return _confirmation(parse_selection(request.form.getlist("payout")))


@bp.route("/review", methods=["GET"])
@roles_required(Role.MANAGER)
def bulk_review_resumed() -> str | Response:
    """The confirmation again after a step-up code interrupted the approval."""
    resumed = take_resume(url_for("approvals.bulk_approve"))
    if resumed is None:
        return redirect_to(url_for("approvals.queue"))
    return _confirmation(parse_selection(resumed.get("payout", [])))


@bp.route("/approve", methods=["POST"])
@roles_required(Role.MANAGER)
@step_up_required(back=lambda: url_for("approvals.bulk_review_resumed"), keep=("payout",),
                  resume=bulk_approve_action)
def bulk_approve() -> Response:
    """Step two: approve exactly the confirmed selection, each by the same rules."""
    return bulk_approve_action(request.form)
