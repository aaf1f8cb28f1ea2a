"""The filtered list as CSV or XLSX, streamed: rows are read in keyset batches, never all at once.

Only masked recipient fields leave the desk. Amounts are plain decimals with the currency's own
precision. The CSV follows the reader's locale the way their spreadsheet expects it: where the
decimal sign is a comma (ru, uk) amounts read "1500,50" and fields are separated by ";" (Excel in
those locales takes "," as the decimal sign and opens a comma-separated file as one column). The
XLSX holds real numbers and dates, which every locale reads. Times are in the reader's zone,
with the offset. Any text that a spreadsheet would run as a formula gets a leading quote.

Everything that needs the request (the user's scope, language and time zone) is settled in the
view, in `ExportJob.prepare`. The generators then need no Flask context at all: each batch
borrows a pooled connection and gives it back before its rows are yielded, so a download that
is abandoned halfway leaves neither a context nor a connection behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Engine, Select
from sqlalchemy.orm import aliased

from webapp.downloads import csv_chunks, csv_convention, guard
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, User
from webapp.models.base import as_utc
from webapp.observability.card_numbers import mask_cards
from webapp.payout_core.labels import status_label
from webapp.payout_core.money import currency_precision, quantize
from webapp.payouts.listing import Cursor, newest_first

BATCH = 1000
CHUNK = 64 * 1024


def amount_text(amount: Decimal, currency: str, decimal_sign: str = ".") -> str:
    """No grouping, the currency's own decimals, the locale's decimal sign: "1500,50"."""
    return f"{quantize(Decimal(amount), currency):f}".replace(".", decimal_sign)


@dataclass(frozen=True)
class ExportJob:
    """One export, with every translation and setting resolved while the request was there."""

    query: Select[Any]
    engine: Engine
    zone: tzinfo
    headers: list[str]
    statuses: dict[str, str]
    sheet_title: str
    separator: str = ","
    decimal_sign: str = "."

    @classmethod
    def prepare(cls, query: Select[tuple[Payout]], zone: tzinfo) -> ExportJob:
        creator = aliased(User)
        columns = query.with_only_columns(
            Payout.id, Payout.reference_id, Payout.created_at, Payout.status, Payout.amount,
            Payout.currency, Payout.service_code, Payout.method_code, Payout.customer_name,
            Payout.customer_email, Payout.fields_masked, Payout.description,
            Payout.provider_invoice_id, Payout.provider_status, Payout.provider_resolution,
            creator.username,
        ).join(creator, Payout.created_by_id == creator.id)
        headers = [
            _("ID"), _("Reference"), _("Created"), _("Status"), _("Amount"), _("Currency"),
            _("Service"), _("Method"), _("Recipient name"), _("Recipient e-mail"),
            _("Recipient details"), _("Description"), _("Provider invoice"),
            _("Provider status"), _("Resolution"), _("Created by"),
        ]
        separator, decimal_sign = csv_convention()
        return cls(columns, db.engine, zone, headers,
                   {s.value: status_label(s.value) for s in PayoutStatus}, _("Payouts"),
                   separator, decimal_sign)

    def rows(self) -> Iterator[Any]:
        """Every row, newest first, BATCH at a time; no connection is held between batches."""
        after: Cursor | None = None
        while True:
            with self.engine.connect() as connection:
                batch = connection.execute(newest_first(self.query, after).limit(BATCH)).all()
            yield from batch
            if len(batch) < BATCH:
                return
            after = Cursor(batch[-1].created_at, batch[-1].id)

    def local(self, moment: datetime) -> datetime:
        return as_utc(moment).astimezone(self.zone)

    def cells(self, row: Any, created: Any, amount: Any) -> list[Any]:
        """One line in header order; every text guarded against formulas."""
        details = "; ".join(f"{k}: {v}" for k, v in (row.fields_masked or {}).items())
        texts = [row.reference_id, self.statuses.get(row.status, row.status), row.currency,
                 row.service_code, row.method_code, row.customer_name, row.customer_email,
                 details, row.description, row.provider_invoice_id, row.provider_status,
                 row.provider_resolution, row.username]
        (reference, status, currency, service, method, name, email, details, description,
         invoice, provider_status, resolution, username) = [
            guard(mask_cards(str(v))) if v is not None else "" for v in texts]
        return [row.id, reference, created, status, amount, currency, service, method, name,
                email, details, description, invoice, provider_status, resolution, username]


def csv_lines(job: ExportJob) -> Iterator[str]:
    """CSV text, a batch of rows per chunk."""
    return csv_chunks(job.headers, _csv_rows(job), job.separator)


def _csv_rows(job: ExportJob) -> Iterator[list[Any]]:
    for row in job.rows():
        created = job.local(row.created_at).isoformat(timespec="seconds")
        amount = amount_text(row.amount, row.currency, job.decimal_sign)
        yield job.cells(row, created, amount)


def xlsx_chunks(job: ExportJob) -> Iterator[bytes]:
    """An XLSX workbook built in openpyxl's write-only mode, then sent in chunks."""
    # Imported here: openpyxl adds ~5 MB to every worker that loads it, for a rare download.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(job.sheet_title)
    sheet.append([guard(h) for h in job.headers])
    for row in job.rows():
        created = WriteOnlyCell(sheet, job.local(row.created_at).replace(tzinfo=None))
        created.number_format = "yyyy-mm-dd hh:mm:ss"
        amount = WriteOnlyCell(sheet, quantize(Decimal(row.amount), row.currency))
        digits = currency_precision(row.currency)
        amount.number_format = "0." + "0" * digits if digits else "0"
        sheet.append(job.cells(row, created, amount))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
