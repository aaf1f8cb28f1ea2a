"""The payouts list and each payout's page, with its self-refreshing status area.

Payouts that need a person: unknown provider state or a failure, with when last checked.

A payout the provider refused to create (401/403/405) can be sent again as a new attempt:
a new payout with a new reference_id, the same recipient, the old one kept as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from webapp.audit import record
from webapp.auth.access import roles_required
from webapp.downloads import attachment
from webapp.extensions import db
from webapp.form_tokens import belongs_to, issue
from webapp.htmx import is_partial_request, redirect_to, render_page
from webapp.models import Payout, PayoutEvent, PayoutStatus, Role, User
from webapp.models.status import NEEDS_ATTENTION, UNKNOWN_STATUSES, values
from webapp.payout_core.create import PayoutDraft, payout_for_submission, submit_payout
from webapp.payout_core.recovery import queue_recovery
from webapp.payout_core.scope import visible_payout_or_404
from webapp.payout_core.secrets import decrypt_fields
from webapp.payout_core.timeline import add_event
from webapp.payouts.detail import detail_context
from webapp.payouts.export import ExportJob, csv_lines, xlsx_chunks
from webapp.payouts.filter_markup import rendered_filters
from webapp.payouts.list_filters import PayoutFilterForm
from webapp.payouts.list_rows import shown_rows
from webapp.payouts.listing import (
    Cursor,
    cached_filter_choices,
    currency_totals,
    fetch_user_page,
    filtered_payouts,
)
from webapp.provider.types import PayoutService

bp = Blueprint("payouts", __name__, url_prefix="/payouts")

ALL_ROLES = (Role.OPERATOR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@roles_required(*ALL_ROLES)
def index() -> str:
    """Filtered, newest first, keyset-paginated; htmx gets the table fragment only."""
    form = PayoutFilterForm.from_args(request.args)
    page = fetch_user_page(current_user, form.filters(), Cursor.decode(request.args.get("after")))
    filters_html = None
    if not is_partial_request():  # the filter selects are only on the full page
        choices = cached_filter_choices(current_user)
        form.set_choices(choices.currencies, choices.services, choices.creators)
        filters_html = rendered_filters(form, choices)
    pairs = form.query_pairs()
    # Totals scan the whole filtered set: they arrive in a request of their own (htmx loads
    # them right after the table; without JavaScript a link opens them).
    return render_page(
        "payouts/list.html", "payouts/_list_fragment.html",
        form=form, filters_html=filters_html,
        rows=shown_rows(page.payouts, _detail_url_maker()),
        totals_url=_url("payouts.totals", pairs),
        next_url=_url("payouts.index", pairs, page.next_cursor) if page.next_cursor else None,
        first_url=_url("payouts.index", pairs) if request.args.get("after") else None,
        csv_url=_url("payouts.export_csv", pairs), xlsx_url=_url("payouts.export_xlsx", pairs),
    )


def _detail_url_maker() -> Callable[[int], str]:
    """`url_for("payouts.detail", payout_id=n)` for the 50 rows of a page from one url_for
    call (each costs a route build; the profile showed them per row)."""
    sample = url_for("payouts.detail", payout_id=0)
    prefix, _zero, suffix = sample.rpartition("0")
    return lambda payout_id: f"{prefix}{int(payout_id)}{suffix}"


@bp.route("/totals")
@roles_required(*ALL_ROLES)
def totals() -> str:
    """Count and sum per currency of the filtered set (one GROUP BY)."""
    form = PayoutFilterForm.from_args(request.args)
    query = filtered_payouts(current_user, form.filters())
    return render_page("payouts/totals.html", "payouts/_totals.html",
                       totals=currency_totals(query),
                       list_url=_url("payouts.index", form.query_pairs()))


def _url(endpoint: str, pairs: list[tuple[str, str]], after: Cursor | None = None) -> str:
    if after is not None:
        pairs = [*pairs, ("after", after.encode())]
    query = urlencode(pairs)
    return url_for(endpoint) + (f"?{query}" if query else "")


def _download(body: Iterable[str] | Iterable[bytes], mimetype: str, extension: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    # The generators need no request context (see export.py), so none is kept alive for them.
    return attachment(body, mimetype, f"payouts-{stamp}.{extension}")


@bp.route("/export.csv")
@roles_required(*ALL_ROLES)
def export_csv() -> Response:
    """The filtered list (every page) as CSV, streamed."""
    form = PayoutFilterForm.from_args(request.args)
    query = filtered_payouts(current_user, form.filters())
    return _download(csv_lines(ExportJob.prepare(query, get_timezone())), "text/csv", "csv")


@bp.route("/export.xlsx")
@roles_required(*ALL_ROLES)
def export_xlsx() -> Response:
    """The filtered list (every page) as an Excel workbook."""
    form = PayoutFilterForm.from_args(request.args)
    query = filtered_payouts(current_user, form.filters())
    return _download(xlsx_chunks(ExportJob.prepare(query, get_timezone())), XLSX_TYPE, "xlsx")


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
    """"Check again": the worker reads the provider now and takes the next safe step (this
    request only queues it; the status area updates by itself)."""
    payout = visible_payout_or_404(current_user, payout_id)
    if payout.is_final:
        abort(409)
    queue_recovery(payout.id, manual=True)
    flash(_("A check with the provider is on its way; this page updates by itself."), "info")
    return redirect_to(url_for("payouts.detail", payout_id=payout.id))


__all__ = ["check", "detail", "export_csv", "export_xlsx", "index", "status"]


S = PayoutStatus
LIMIT = 500


@bp.route("/attention")
@roles_required(Role.ADMIN, Role.MANAGER, Role.AUDITOR)
def attention() -> str:
    """Unknown states first (they are being resolved), then failures, newest first."""
    payouts = db.session.scalars(
        select(Payout)
        .options(joinedload(Payout.created_by))
        .where(Payout.status.in_(values(NEEDS_ATTENTION)))
        .order_by(Payout.status.in_(values(UNKNOWN_STATUSES))
                  .desc(), Payout.updated_at.desc(), Payout.id.desc())
        .limit(LIMIT)
    ).all()
    return render_template("payouts/attention.html", payouts=payouts)


def my_submission_token() -> str:
    """A fresh token bound to the viewer, for the "send again" form (a template global)."""
    return issue(current_user.id)


bp.add_app_template_global(my_submission_token, "my_submission_token")


def resubmit(original: Payout, resender: User, token: str) -> Payout:
    """Store and send a copy of a refused payout. The copy keeps the original's creator and
    names `resender`; neither may approve it. `token` (bound to the resender) makes a double
    click find the same copy."""
    draft = PayoutDraft(
        service=PayoutService.from_snapshot(original.service_snapshot),
        currency=original.currency, amount=original.amount,
        fields=decrypt_fields(original.fields_encrypted), submission_token=token,
        customer_reference_id=original.customer_reference_id,
        customer_name=original.customer_name, customer_email=original.customer_email,
        customer_phone=original.customer_phone, description=original.description,
        resent_by_id=resender.id,
    )
    outcome = submit_payout(draft, original.created_by)
    assert outcome.payout is not None
    if not outcome.duplicate:
        add_event(original, "resubmitted", actor_id=resender.id, payout_id=outcome.payout.id)
        add_event(outcome.payout, "resubmission_of", actor_id=resender.id,
                  payout_id=original.id)
        db.session.commit()
    return outcome.payout


@bp.route("/<int:payout_id>/resubmit", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def resubmit_refused(payout_id: int) -> Response:
    original = visible_payout_or_404(current_user, payout_id)
    if original.status_enum != PayoutStatus.FAILED_TO_CREATE:
        abort(409)
    token = request.form.get("submission_token", "")
    existing = payout_for_submission(token) if token else None
    if not belongs_to(token, current_user.id) or (
            existing is not None and existing.resent_by_id != current_user.id):
        record("payout.submission_token_refused", target=f"payout:{original.id}",
               details={"token": token[:64]})
        db.session.commit()
        flash(_("This form was opened by another user. Open the payout again."), "error")
        return redirect_to(url_for("payouts.detail", payout_id=original.id))
    copy = resubmit(original, current_user._get_current_object(), token)
    flash(_("Sent again as a new payout."), "info")
    return redirect_to(url_for("payouts.detail", payout_id=copy.id))
