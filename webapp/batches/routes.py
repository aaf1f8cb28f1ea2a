"""/batches/new: pick currency, a typical amount and a service; download its template; upload
the filled file. The upload only validates and stores: nothing reaches the provider's invoices
before a manager approves the batch.

A batch's pages and actions: summary and errors, all rows, progress, re-upload, submit,
approve/reject (managers), retry and the downloads. Rules live in services/approval/retry."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from webapp.approvals.facts import limit_advice
from webapp.auth.access import roles_required
from webapp.auth.stepup import is_fresh, step_up_required
from webapp.batches.approval import (
    BatchRefused,
    approve_batch,
    fingerprint_of,
    item_of,
    reject_batch,
)
from webapp.batches.columns import columns_for
from webapp.batches.files import (
    CSV_TYPE,
    XLSX_TYPE,
    error_text,
    errors_csv,
    failed_csv,
    template_csv,
    template_xlsx,
)
from webapp.batches.forms import ReuploadForm, UploadForm
from webapp.batches.jobs import run_batch_task
from webapp.batches.labels import batch_status_label, row_state_label
from webapp.batches.parsing import FileRejected
from webapp.batches.retry import retry_failed, retryable_rows
from webapp.batches.services import (
    create_batch,
    progress_of,
    read_file,
    replace_rows,
    resolve_service,
    service_of,
    submit_batch,
    visible_batch_or_404,
    visible_batches,
)
from webapp.degraded import enqueue_or_defer
from webapp.downloads import attachment
from webapp.extensions import db
from webapp.htmx import redirect_to, render_page
from webapp.models import Batch, BatchApproval, BatchRow, BatchStatus, Role, RowState
from webapp.models.batch import BATCH_IN_JOB
from webapp.new_payout.forms import StartForm
from webapp.payout_core.money import AmountError, parse_amount
from webapp.payout_core.prerequest import MethodGroup, fetch_prerequest, group_services
from webapp.provider.errors import ProviderError
from webapp.provider.types import PayoutService
from webapp.query_args import DB_INT_MAX, int_arg

bp = Blueprint("batches", __name__, url_prefix="/batches")

log = logging.getLogger(__name__)
WRITERS = (Role.OPERATOR, Role.MANAGER)


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


@dataclass
class NewBatchPage:
    start: StartForm
    searched: bool = False
    amount: Decimal | None = None
    groups: list[MethodGroup] | None = None
    service: PayoutService | None = None
    provider_error: bool = False
    upload: UploadForm | None = None
    file_errors: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        assert self.service is not None and self.amount is not None
        return {"currency": self.start.currency.data, "amount": format(self.amount, "f"),
                "service": self.service.code}


def _fill(page: NewBatchPage) -> None:
    """Services for the currency and amount, and the chosen one when it is offered."""
    if not (page.searched and page.start.validate()):
        return
    page.amount = page.start.amount_value()
    try:
        answer = fetch_prerequest(page.start.currency.data, page.amount)
    except ProviderError as exc:
        log.warning("Batch pre-request failed (%s): %s", type(exc).__name__, exc.message)
        page.provider_error = True
        return
    page.groups = group_services(answer, page.amount, language())
    code = page.start.service.data
    if code:
        page.service = next((c.service for g in page.groups for c in g.choices
                             if c.service.code == code and c.available), None)


@bp.route("/new", methods=["GET"])
@roles_required(*WRITERS)
def new() -> str:
    page = NewBatchPage(start=StartForm(formdata=request.args or None),
                        searched=bool(request.args))
    _fill(page)
    if page.service is not None:
        page.upload = UploadForm(formdata=None, data=page.query())
    return render_page("batches/new.html", "batches/_choose.html", page=page)


@bp.route("/new", methods=["POST"])
@roles_required(*WRITERS)
def upload() -> str | Response:
    form = UploadForm()
    start = StartForm(formdata=MultiDict({"currency": form.currency.data or "",
                                          "amount": form.amount.data or "",
                                          "service": form.service.data or ""}))
    page = NewBatchPage(start=start, searched=True, upload=form)
    valid = form.validate_on_submit()
    _fill(page)
    if not valid:
        return render_page("batches/new.html", "batches/_choose.html", page=page)
    if page.service is None:
        if not page.provider_error:
            page.file_errors.append(_("This service is not offered now. Choose another one."))
        return render_page("batches/new.html", "batches/_choose.html", page=page)
    data = form.file.data.read()
    file_name = form.file.data.filename or "upload"
    try:
        report = read_file(file_name, data, page.service, form.currency.data, language())
    except FileRejected as rejected:
        page.file_errors.append(str(rejected.message))
        return render_page("batches/new.html", "batches/_choose.html", page=page)
    batch = create_batch(current_user._get_current_object(), page.service, form.currency.data,
                         file_name, report, language())
    return redirect_to(url_for("batches.detail", batch_id=batch.id))


def _template_columns() -> list | None:
    currency = (request.args.get("currency") or "").upper()
    try:
        amount = parse_amount(request.args.get("amount"), currency)
        service = resolve_service(currency, amount, request.args.get("service") or "")
    except (AmountError, ProviderError):
        return None
    return None if service is None else columns_for(service, language())


@bp.route("/template.csv")
@roles_required(*WRITERS)
def template_csv_file() -> Response:
    columns = _template_columns()
    if columns is None:
        return _no_template()
    service = request.args.get("service", "batch")
    return attachment(template_csv(columns), CSV_TYPE, f"batch-{_safe(service)}.csv")


@bp.route("/template.xlsx")
@roles_required(*WRITERS)
def template_xlsx_file() -> Response:
    columns = _template_columns()
    if columns is None:
        return _no_template()
    service = request.args.get("service", "batch")
    return attachment(template_xlsx(columns), XLSX_TYPE, f"batch-{_safe(service)}.xlsx")


def _no_template() -> Response:
    flash(_("Choose a currency, an amount and a service offered for them."), "error")
    return redirect_to(url_for("batches.new", **request.args))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60] or "batch"


ALL = (Role.OPERATOR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)
B = BatchStatus
PAGE_SIZE = 100
SHOWN_ERRORS = 200
SAMPLE = 10
POLLING = [b.value for b in BATCH_IN_JOB]


def awaiting_batches() -> list[Batch]:
    """Batches waiting for a manager (a template global for the approvals queue)."""
    return list(db.session.scalars(
        select(Batch).where(Batch.status == B.AWAITING_APPROVAL.value)
        .order_by(Batch.submitted_at, Batch.id).limit(50)))


@bp.route("/")
@roles_required(*ALL)
def index() -> str:
    batches = db.session.scalars(
        visible_batches(current_user).order_by(Batch.id.desc()).limit(100)).all()
    return render_page("batches/index.html", "batches/_table.html", batches=batches)


def _labels(batch: Batch) -> dict[str, str]:
    return {c.key: c.label for c in columns_for(service_of(batch), language())}


def _rows(batch: Batch, state: RowState, limit: int, offset: int = 0) -> list[BatchRow]:
    return list(db.session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch.id, BatchRow.state == state.value)
        .order_by(BatchRow.row_number).limit(limit).offset(offset)))


@bp.route("/<int:batch_id>")
@roles_required(*ALL)
def detail(batch_id: int) -> str:
    batch = visible_batch_or_404(current_user, batch_id)
    user = current_user._get_current_object()
    deciding = (batch.status == B.AWAITING_APPROVAL.value and user.has_role(Role.MANAGER)
                and user.id not in (batch.created_by_id, batch.retried_by_id))
    item = item_of(batch) if deciding else None
    approvals = db.session.scalars(select(BatchApproval).where(
        BatchApproval.batch_id == batch.id, BatchApproval.batch_version == batch.version)).all()
    return render_page(
        "batches/detail.html", "batches/_summary.html",
        batch=batch, labels=_labels(batch), error_text=error_text,
        error_rows=_rows(batch, RowState.INVALID, SHOWN_ERRORS),
        sample=db.session.scalars(
            select(BatchRow).where(BatchRow.batch_id == batch.id,
                                   BatchRow.state != RowState.INVALID.value)
            .order_by(BatchRow.row_number).limit(SAMPLE)).all(),
        progress=progress_of(batch.id), polling=batch.status in POLLING,
        own=batch.created_by_id == user.id, deciding=deciding, approvals=approvals,
        fingerprint=fingerprint_of(batch) if deciding else "",
        advice=limit_advice(item, user) if item else None,
        advice_amount=item.amount if item else None,
        reupload=ReuploadForm(formdata=None),
        retryable=len(retryable_rows(batch.id)) if batch.status == B.DONE_WITH_FAILURES else 0,
    )


@bp.route("/<int:batch_id>/rows")
@roles_required(*ALL)
def rows(batch_id: int) -> str:
    batch = visible_batch_or_404(current_user, batch_id)
    page = int_arg("page", 1, maximum=DB_INT_MAX // PAGE_SIZE) or 1
    state = request.args.get("state") or None
    query = select(BatchRow).where(BatchRow.batch_id == batch.id)
    if state in {s.value for s in RowState}:
        query = query.where(BatchRow.state == state)
    found = db.session.scalars(query.order_by(BatchRow.row_number)
                               .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_page("batches/rows.html", "batches/_rows.html", batch=batch,
                       rows=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, page=page,
                       state=state or "", states=[s.value for s in RowState],
                       labels=_labels(batch), error_text=error_text)


@bp.route("/<int:batch_id>/progress")
@roles_required(*ALL)
def progress(batch_id: int) -> str:
    """The progress bar alone: htmx polls it while the job runs."""
    batch = visible_batch_or_404(current_user, batch_id)
    return render_page("batches/progress.html", "batches/_progress.html", batch=batch,
                       progress=progress_of(batch.id), polling=batch.status in POLLING)


def _back(batch_id: int) -> Response:
    return redirect_to(url_for("batches.detail", batch_id=batch_id))


@bp.route("/<int:batch_id>/upload", methods=["POST"])
@roles_required(*WRITERS)
def reupload(batch_id: int) -> Response:
    batch = visible_batch_or_404(current_user, batch_id)
    form = ReuploadForm()
    if batch.status != B.DRAFT.value or batch.created_by_id != current_user.id:
        flash(_("Only the uploader may replace the file of a batch not yet submitted."), "error")
    elif not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.file.errors) or _("Choose a file."), "error")
    else:
        try:
            report = read_file(form.file.data.filename or "upload", form.file.data.read(),
                               service_of(batch), batch.currency, language(),
                               exclude_batch_id=batch.id)
        except FileRejected as rejected:
            flash(str(rejected.message), "error")
        else:
            if replace_rows(batch, current_user._get_current_object(),
                            form.file.data.filename or "upload", report):
                flash(_("The corrected file replaced the batch's rows."), "success")
            else:
                flash(_("The batch changed meanwhile; nothing was replaced."), "error")
    return _back(batch_id)


@bp.route("/<int:batch_id>/submit", methods=["POST"])
@roles_required(*WRITERS)
def submit(batch_id: int) -> Response:
    batch = visible_batch_or_404(current_user, batch_id)
    if submit_batch(batch, current_user._get_current_object()):
        flash(_("The batch is waiting for a manager's approval."), "success")
    else:
        flash(_("Only the uploader may submit a batch, once, with at least one valid row."),
              "error")
    return _back(batch_id)


@bp.route("/<int:batch_id>/approve", methods=["POST"])
@roles_required(Role.MANAGER)
@step_up_required(back=lambda batch_id: url_for("batches.detail", batch_id=batch_id))
def approve(batch_id: int) -> Response:
    try:
        outcome = approve_batch(batch_id, current_user._get_current_object(),
                                request.form.get("fingerprint", ""), step_up_fresh=is_fresh())
    except BatchRefused as refused:
        flash(str(refused), "error")
    else:
        if outcome.fully_approved:
            # The approval is committed; an approved batch is resumed by the worker's sweep
            # if the queue is away right now.
            enqueue_or_defer(run_batch_task, batch_id, sweep="batch resume sweep")
            flash(_("Batch approved. Its payouts are being created and sent."), "success")
        else:
            flash(_("Your approval is recorded. The total is above your limit: a manager "
                    "whose own limit covers it must approve too."), "warning")
    return _back(batch_id)


@bp.route("/<int:batch_id>/reject", methods=["POST"])
@roles_required(Role.MANAGER)
@step_up_required(back=lambda batch_id: url_for("batches.detail", batch_id=batch_id))
def reject(batch_id: int) -> Response:
    try:
        reject_batch(batch_id, current_user._get_current_object(),
                     request.form.get("reason", ""), request.form.get("fingerprint", ""))
    except BatchRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("Batch rejected. Nothing was sent."), "success")
    return _back(batch_id)


@bp.route("/<int:batch_id>/retry", methods=["POST"])
@roles_required(*WRITERS)
def retry(batch_id: int) -> Response:
    batch = visible_batch_or_404(current_user, batch_id)
    count = retry_failed(batch, current_user._get_current_object())
    if count:
        flash(_("%(num)s failed rows wait for a fresh approval by a manager other than you "
                "and the uploader.", num=count), "success")
    else:
        flash(_("There is no failed row to try again."), "error")
    return _back(batch_id)


@bp.route("/<int:batch_id>/errors.csv")
@roles_required(*ALL)
def errors_file(batch_id: int) -> Response:
    batch = visible_batch_or_404(current_user, batch_id)
    columns = columns_for(service_of(batch), batch.language)
    return attachment(errors_csv(batch.id, columns), CSV_TYPE, f"batch-{batch.id}-errors.csv")


@bp.route("/<int:batch_id>/failed.csv")
@roles_required(*ALL)
def failed_file(batch_id: int) -> Response:
    batch = visible_batch_or_404(current_user, batch_id)
    columns = columns_for(service_of(batch), batch.language)
    return attachment(failed_csv(batch.id, columns), CSV_TYPE, f"batch-{batch.id}-failed.csv")


bp.add_app_template_global(awaiting_batches, "awaiting_batches")
bp.add_app_template_global(batch_status_label, "batch_status_label")
bp.add_app_template_global(row_state_label, "row_state_label")
