"""/batches/new: pick currency, a typical amount and a service; download its template; upload
the filled file. The upload only validates and stores: nothing reaches the provider's invoices
before a manager approves the batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Response, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from webapp.auth.access import roles_required
from webapp.batches import bp
from webapp.batches.columns import columns_for
from webapp.batches.files import CSV_TYPE, XLSX_TYPE, template_csv, template_xlsx
from webapp.batches.forms import UploadForm
from webapp.batches.parsing import FileRejected
from webapp.batches.services import create_batch, read_file, resolve_service
from webapp.downloads import attachment
from webapp.htmx import redirect_to, render_page
from webapp.models import Role
from webapp.payouts.forms import StartForm
from webapp.payouts.money import AmountError, parse_amount
from webapp.payouts.prerequest import MethodGroup, fetch_prerequest, group_services
from webapp.provider.errors import ProviderError
from webapp.provider.types import PayoutService

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
