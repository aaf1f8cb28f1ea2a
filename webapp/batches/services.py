"""Uploading a batch (parse, validate, store), submitting it, and what each user may see.
Nothing here talks to the provider about invoices: only the approved job does (jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, delete, func, insert, select, update

from webapp.audit import record
from webapp.batches.columns import (
    SAVED_RECIPIENT,
    Column,
    columns_for,
    match_headers,
    rows_for_columns,
)
from webapp.batches.duplicates import mark_recent_duplicates
from webapp.batches.parsing import MAX_FILE_BYTES, MAX_ROWS, FileRejected, parse_upload
from webapp.batches.saved_recipients import fill_saved_recipients
from webapp.batches.status import move_batch
from webapp.batches.validation import RowResult, ValidationReport, in_language, validate_rows
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Batch, BatchRow, BatchStatus, RowState, User
from webapp.models.base import utcnow
from webapp.observability.card_numbers import mask_optional
from webapp.payout_core.prerequest import fetch_prerequest
from webapp.payout_core.scope import scoped
from webapp.payout_core.secrets import encrypt_fields, mask_fields
from webapp.provider.types import PayoutService

B = BatchStatus


def visible_batches(user: User) -> Select[tuple[Batch]]:
    """The same role rule as payouts (payout_core/scope.py)."""
    return scoped(user, select(Batch), Batch.created_by_id)


def visible_batch_or_404(user: User, batch_id: int) -> Batch:
    return db.first_or_404(visible_batches(user).where(Batch.id == batch_id))


def resolve_service(currency: str, amount: Decimal, code: str) -> PayoutService | None:
    """The service as the provider describes it now (never as the browser claims)."""
    return fetch_prerequest(currency, amount).service(code)


def service_of(batch: Batch) -> PayoutService:
    return PayoutService.from_snapshot(batch.service_snapshot)


def read_file(file_name: str, data: bytes, service: PayoutService, currency: str,
              language: str, exclude_batch_id: int | None = None) -> ValidationReport:
    """Parse and validate; raises `FileRejected` for a file that cannot be a batch."""
    config = current_app.config
    parsed = parse_upload(file_name, data,
                          max_rows=int(config.get("BATCH_MAX_ROWS", MAX_ROWS)),
                          max_bytes=int(config.get("BATCH_MAX_FILE_BYTES", MAX_FILE_BYTES)))
    columns = columns_for(service, language)
    numbers, rows, missing, _unknown = rows_for_columns(parsed.headers, parsed.rows, columns)
    if any(c.key == SAVED_RECIPIENT for c in match_headers(parsed.headers, columns)[0].values()):
        missing = [c for c in missing if c.provider_key is None]  # the book may fill them
    unknown_saved = fill_saved_recipients(rows, columns, service, currency)
    if missing:
        raise FileRejected(_l("Required columns are missing: %(columns)s. Download the "
                              "template for this service.",
                              columns=", ".join(c.header for c in missing)))
    report = validate_rows(service, rows, language, currency=currency, row_numbers=numbers)
    with in_language(language):
        for index, reference in unknown_saved.items():
            report.rows[index].add_coded("saved_recipient_unknown", reference=reference)
    mark_recent_duplicates(report.rows, service.code, currency, exclude_batch_id)
    return report


def _row_values(batch_id: int, result: RowResult, columns: list[Column]) -> dict[str, object]:
    if result.valid:
        customer = result.customer
        return {
            "batch_id": batch_id, "row_number": result.row_number,
            "state": RowState.PENDING.value, "amount": result.amount,
            "amount_text": result.values.get("amount", "")[:64],
            "fields_masked": mask_fields(result.fields),
            "fields_encrypted": encrypt_fields(result.fields),
            "recipient_digest": result.digest, "errors": None,
            **{key: mask_optional(value) for key, value in customer.items()},
        }
    recipient = {c.provider_key: result.values[c.key][:256] for c in columns
                 if c.provider_key and result.values.get(c.key)}
    return {
        "batch_id": batch_id, "row_number": result.row_number,
        "state": RowState.INVALID.value, "amount": None,
        "amount_text": result.values.get("amount", "")[:64],
        "fields_masked": mask_fields(recipient), "fields_encrypted": None,
        "recipient_digest": None, "errors": result.errors,
        "customer_reference_id": result.values.get("customer_reference_id", "")[:128] or None,
        "customer_name": mask_optional(result.values.get("customer_name", "")[:255] or None),
        "customer_email": mask_optional(result.values.get("customer_email", "")[:255] or None),
        "customer_phone": mask_optional(result.values.get("customer_phone", "")[:64] or None),
        "description": mask_optional(result.values.get("description", "")[:1024] or None),
    }


def store_report(batch: Batch, report: ValidationReport) -> None:
    """Write every row (valid and not) with the batch's summary; the caller commits."""
    db.session.execute(delete(BatchRow).where(BatchRow.batch_id == batch.id))
    values = [_row_values(batch.id, r, report.columns) for r in report.rows]
    for start in range(0, len(values), 1000):
        db.session.execute(insert(BatchRow), values[start:start + 1000])
    batch.row_count = len(report.rows)
    batch.valid_count = len(report.valid_rows)
    batch.error_count = len(report.error_rows)
    batch.total = report.total


def create_batch(creator: User, service: PayoutService, currency: str, file_name: str,
                 report: ValidationReport, language: str) -> Batch:
    batch = Batch(
        status=B.DRAFT.value, service_code=service.code, method_code=service.method,
        currency=currency, service_snapshot=service.to_snapshot(), file_name=file_name[:255],
        language=language, created_by_id=creator.id, total=Decimal(0),
    )
    db.session.add(batch)
    db.session.flush()
    store_report(batch, report)
    record("batch.uploaded", actor=creator, target=f"batch:{batch.id}",
           details={"rows": batch.row_count, "valid": batch.valid_count})
    db.session.commit()
    return batch


def replace_rows(batch: Batch, user: User, file_name: str, report: ValidationReport) -> bool:
    """A corrected file for a draft: new rows, new version (so old approvals cannot apply)."""
    won = db.session.execute(
        update(Batch).where(Batch.id == batch.id, Batch.status == B.DRAFT.value,
                            Batch.created_by_id == user.id, Batch.version == batch.version)
        .values(version=Batch.version + 1, file_name=file_name[:255], updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        db.session.rollback()
        return False
    db.session.refresh(batch)
    store_report(batch, report)
    record("batch.reuploaded", actor=user, target=f"batch:{batch.id}",
           details={"rows": batch.row_count, "valid": batch.valid_count})
    db.session.commit()
    return True


def submit_batch(batch: Batch, user: User) -> bool:
    """Draft → awaiting approval, by its uploader, if at least one row is valid."""
    won = move_batch(batch.id, [B.DRAFT], B.AWAITING_APPROVAL, Batch.created_by_id == user.id,
                     Batch.valid_count > 0, submitted_at=utcnow())
    if won:
        record("batch.submitted", actor=user, target=f"batch:{batch.id}",
               details={"total": str(batch.total), "currency": batch.currency})
    db.session.commit()
    db.session.refresh(batch)
    return won


@dataclass(frozen=True)
class Progress:
    done: int
    failed: int
    pending: int

    @property
    def handled(self) -> int:
        return self.done + self.failed

    @property
    def total(self) -> int:
        return self.done + self.failed + self.pending


def progress_of(batch_id: int) -> Progress:
    counts = dict(db.session.execute(
        select(BatchRow.state, func.count()).where(BatchRow.batch_id == batch_id)
        .group_by(BatchRow.state)).all())
    return Progress(
        done=counts.get(RowState.SENT.value, 0), failed=counts.get(RowState.FAILED.value, 0),
        pending=counts.get(RowState.PENDING.value, 0) + counts.get(RowState.UNKNOWN.value, 0))
