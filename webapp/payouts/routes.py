"""The payouts list and each payout's page, with its self-refreshing status area."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.htmx import redirect_to, render_page
from webapp.models import Payout, PayoutEvent, Role
from webapp.payouts import bp
from webapp.payouts.recovery import recover_payout
from webapp.payouts.scope import visible_payout_or_404, visible_payouts
from webapp.payouts.views import detail_context

ALL_ROLES = (Role.OPERATOR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)
PAGE_SIZE = 50


@bp.route("/")
@roles_required(*ALL_ROLES)
def index() -> str:
    """Newest first, keyset-paginated by (created_at, id)."""
    query = visible_payouts(current_user).order_by(Payout.id.desc())
    before = request.args.get("before", type=int)
    if before:
        query = query.where(Payout.id < before)
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    payouts, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    next_url = url_for("payouts.index", before=payouts[-1].id) if more and payouts else None
    return render_page("payouts/list.html", "payouts/_list.html",
                       payouts=payouts, next_url=next_url)


@bp.route("/<int:payout_id>")
@roles_required(*ALL_ROLES)
def detail(payout_id: int) -> str:
    payout = visible_payout_or_404(current_user, payout_id)
    events = db.session.scalars(
        db.select(PayoutEvent).filter_by(payout_id=payout.id).order_by(PayoutEvent.id)
    ).all()
    return render_template("payouts/detail.html", events=events, **detail_context(payout))


@bp.route("/<int:payout_id>/status")
@roles_required(*ALL_ROLES)
def status(payout_id: int) -> str:
    """The status area alone: htmx polls it until the status is final."""
    payout = visible_payout_or_404(current_user, payout_id)
    return render_page("payouts/status_page.html", "payouts/_status.html",
                       **detail_context(payout))


@bp.route("/<int:payout_id>/check", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER, Role.ADMIN)
def check(payout_id: int) -> Response:
    """Ask the provider now (the same idempotent recovery the background job runs)."""
    payout = visible_payout_or_404(current_user, payout_id)
    if payout.is_final:
        abort(409)
    recover_payout(payout.id)
    flash(_("Checked with the provider."), "info")
    return redirect_to(url_for("payouts.detail", payout_id=payout.id))


__all__ = ["check", "detail", "index", "status"]
