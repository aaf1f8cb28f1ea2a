"""A run's differences as CSV or XLSX, read in keyset batches (a run may hold tens of
thousands); every text guarded against spreadsheet formulas, as the payout export does."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Engine, Select

from webapp.downloads import csv_chunks, csv_convention, guard
from webapp.extensions import db
from webapp.models import ReconciliationDifference
from webapp.reconciliation.services import KIND_LABELS

BATCH = 1000
CHUNK = 64 * 1024
D = ReconciliationDifference


@dataclass(frozen=True)
class DifferenceExport:
    """Everything translated while the request was there; the rows need no Flask context."""

    query: Select[Any]
    engine: Engine
    headers: list[str]
    kinds: dict[str, str]
    yes_no: tuple[str, str]
    sheet_title: str
    separator: str = ","

    @classmethod
    def prepare(cls, query: Select[tuple[ReconciliationDifference]]) -> DifferenceExport:
        columns = query.with_only_columns(
            D.id, D.kind, D.payout_id, D.invoice_id, D.reference_id, D.currency, D.desk_value,
            D.provider_value, D.settled, D.explained, D.note)
        headers = [_("ID"), _("Kind"), _("Payout"), _("Provider invoice"), _("Reference"),
                   _("Currency"), _("Desk"), _("Provider"), _("Settled"), _("Explained"),
                   _("Note")]
        return cls(columns, db.engine, headers, {k.value: str(v) for k, v in KIND_LABELS.items()},
                   (_("yes"), _("no")), _("Differences"), csv_convention()[0])

    def rows(self) -> Iterator[list[Any]]:
        last = 0
        while True:
            with self.engine.connect() as connection:
                batch = connection.execute(
                    self.query.where(D.id > last).order_by(None).order_by(D.id).limit(BATCH)
                ).all()
            for row in batch:
                texts = [self.kinds.get(row.kind, row.kind), row.invoice_id, row.reference_id,
                         row.currency, row.desk_value, row.provider_value]
                kind, invoice, reference, currency, desk, provider = [
                    guard(str(v)) if v is not None else "" for v in texts]
                yes, no = self.yes_no
                yield [row.id, kind, row.payout_id or "", invoice, reference, currency, desk,
                       provider, yes if row.settled else no, yes if row.explained else no,
                       guard(row.note or "")]
            if len(batch) < BATCH:
                return
            last = batch[-1].id


def csv_lines(export: DifferenceExport) -> Iterator[str]:
    """CSV in the reader's convention (";" where the decimal sign is a comma)."""
    return csv_chunks(export.headers, export.rows(), export.separator)


def xlsx_chunks(export: DifferenceExport) -> Iterator[bytes]:
    # Imported here: openpyxl is heavy and this download is rare.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.sheet_title)
    sheet.append([guard(h) for h in export.headers])
    for row in export.rows():
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
