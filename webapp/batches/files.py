"""Files the desk hands out: the empty template for a service, the rows with errors, and the
failed rows after the job. Recipient values leave masked; formulas are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.batches.columns import Column
from webapp.batches.validation import error_message
from webapp.downloads import guard
from webapp.extensions import db
from webapp.models import BatchRow, Payout, RowState
from webapp.payout_core.failures import Failure
from webapp.payout_core.labels import failure_text, status_label

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([guard(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def template_csv(columns: list[Column]) -> bytes:
    return _csv([[c.header for c in columns]])


def template_xlsx(columns: list[Column]) -> bytes:
    """Header row in bold; every column formatted as text so Excel keeps long account
    numbers and leading zeros as typed."""
    # Imported here: openpyxl adds ~5 MB to every worker that loads it, for a rare download.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Payouts")[:31]
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 2))
        sheet.column_dimensions[letter].number_format = "@"
        cell = sheet.cell(row=1, column=index)
        # Headers carry provider labels: guarded, and stored as text whatever they start with.
        cell.value = guard(column.header)
        cell.data_type = "s"
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _values(row: BatchRow, columns: list[Column]) -> list[str]:
    own = {
        "amount": row.amount_text or "", "customer_reference_id": row.customer_reference_id,
        "customer_name": row.customer_name, "customer_email": row.customer_email,
        "customer_phone": row.customer_phone, "description": row.description,
    }
    masked = row.fields_masked or {}
    return [masked.get(c.provider_key, "") if c.provider_key else (own.get(c.key) or "")
            for c in columns]


def error_text(row: BatchRow, labels: dict[str, str]) -> str:
    parts = []
    locale = get_locale()
    language = locale.language if locale is not None else "en"
    for error in row.errors or []:
        label = labels.get(error.get("column", ""))
        message = error_message(error, language)
        parts.append(f"{label}: {message}" if label else message)
    return "; ".join(parts)


def errors_csv(batch_id: int, columns: list[Column]) -> bytes:
    labels = {c.key: c.label for c in columns}
    rows = db.session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch_id,
                               BatchRow.state == RowState.INVALID.value)
        .order_by(BatchRow.row_number))
    header = [_("Row"), "error", *[c.header for c in columns]]
    return _csv([header, *([str(r.row_number), error_text(r, labels), *_values(r, columns)]
                           for r in rows)])


def failure_line(value: Failure | None) -> str:
    """A stored failure as one cell: its meaning in the reader's language, then its data."""
    if not value:
        return ""
    extra = [str(value[key]) for key in ("reason", "provider_message") if value.get(key)]
    return "; ".join([failure_text(value), *extra])


def failed_csv(batch_id: int, columns: list[Column]) -> bytes:
    query = (select(BatchRow, Payout).outerjoin(Payout, Payout.id == BatchRow.payout_id)
             .where(BatchRow.batch_id == batch_id, BatchRow.state == RowState.FAILED.value)
             .order_by(BatchRow.row_number))
    header = [_("Row"), "error", _("Payout"), _("Status"), *[c.header for c in columns]]
    body = ([str(row.row_number), failure_line(row.failure), str(payout.id) if payout else "",
             status_label(payout.status) if payout else "", *_values(row, columns)]
            for row, payout in db.session.execute(query))
    return _csv([header, *body])
