"""Queue, single approve/reject and the batch action. All rules live in services.py."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.approvals.advice import payout_approval_advice
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.queue import QueueFilters, filter_choices, totals, waiting_payouts
from webapp.approvals.services import ApprovalRefused, approve, reject
from webapp.auth.access import roles_required
from webapp.auth.stepup import is_fresh, step_up_required
from webapp.htmx import redirect_to, render_page
from webapp.models import Role
from webapp.payout_core.duplicates import duplicate_flags

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
bp.add_app_template_global(payout_approval_advice, "payout_approval_advice")


def _filters() -> QueueFilters:
    return QueueFilters(
        currency=request.args.get("currency") or None,
        service=request.args.get("service") or None,
        creator=request.args.get("creator", type=int),
    )


@bp.route("/")
@roles_required(Role.MANAGER)
def queue() -> str:
    filters = _filters()
    payouts = waiting_payouts(filters)
    return render_page(
        "approvals/queue.html", "approvals/_queue.html",
        payouts=payouts, totals=totals(filters), filters=filters, choices=filter_choices(),
        fingerprints={p.id: fingerprint_of(p) for p in payouts},
        duplicates=duplicate_flags(payouts),
    )


@bp.route("/<int:payout_id>/approve", methods=["POST"], endpoint="approve")
@roles_required(Role.MANAGER)
@step_up_required(back=lambda payout_id: url_for("payouts.detail", payout_id=payout_id))
def approve_one(payout_id: int) -> Response:
    try:
        outcome = approve(payout_id, current_user, request.form.get("fingerprint", ""),
                          step_up_fresh=is_fresh())
    except ApprovalRefused as refused:
        flash(str(refused), "error")
    else:
        if not outcome.fully_approved:
            flash(_("Your approval is recorded. The amount is above your limit: a manager "
                    "whose own limit covers it must approve too."), "warning")
        elif outcome.processed_ok:
            flash(_("Approved. The provider is processing the payout."), "success")
        else:
            flash(_("Approved, but the provider's answer was not clear. "
                    "We are checking; the payout will not be sent twice."), "warning")
    return redirect_to(url_for("payouts.detail", payout_id=payout_id))


@bp.route("/<int:payout_id>/reject", methods=["POST"], endpoint="reject")
@roles_required(Role.MANAGER)
@step_up_required(back=lambda payout_id: url_for("payouts.detail", payout_id=payout_id))
def reject_one(payout_id: int) -> Response:
    try:
        reject(payout_id, current_user, request.form.get("reason", ""),
               request.form.get("fingerprint", ""))
    except ApprovalRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("Payout rejected."), "success")
    return redirect_to(url_for("payouts.detail", payout_id=payout_id))


def _selected() -> list[tuple[int, str]]:
    chosen = []
    for value in request.form.getlist("payout")[:200]:
        payout_id, _sep, fingerprint = value.partition(":")
        if payout_id.isdigit():
            chosen.append((int(payout_id), fingerprint))
    return chosen


@bp.route("/batch", methods=["POST"])
@roles_required(Role.MANAGER)
@step_up_required(back=lambda: url_for("approvals.queue"))
def batch() -> Response:
    """Approve or reject several; each payout is decided on its own by the same rules."""
    action = request.form.get("action")
    reason = request.form.get("reason", "")
    done, refused = 0, 0
    for payout_id, fingerprint in _selected():
        try:
            if action == "approve":
                approve(payout_id, current_user, fingerprint, step_up_fresh=is_fresh())
            elif action == "reject":
                reject(payout_id, current_user, reason, fingerprint)
            else:
                break
            done += 1
        except ApprovalRefused as refusal:
            refused += 1
            flash(_("Payout %(id)s: %(reason)s", id=payout_id, reason=str(refusal)), "error")
    if done:
        flash(ngettext("%(num)s payout done.", "%(num)s payouts done.", done), "success")
    if not done and not refused:
        flash(_("Choose at least one payout and an action."), "error")
    return redirect_to(url_for("approvals.queue"))
