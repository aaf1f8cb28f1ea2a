"""Batch payouts from a spreadsheet: the batch (approved as one item), its rows, and the
managers' approvals of it. A row becomes an ordinary payout only after the batch is approved."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow
from webapp.models.payout import MONEY, Payout
from webapp.models.user import User


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"  # uploaded; the uploader may re-upload or submit it
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # approved; the job has not claimed it yet
    REJECTED = "rejected"
    RUNNING = "running"  # the job creates and processes its rows (or waits on unknown ones)
    DONE = "done"
    DONE_WITH_FAILURES = "done_with_failures"


B = BatchStatus
BATCH_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    B.DRAFT: frozenset({B.AWAITING_APPROVAL}),
    B.AWAITING_APPROVAL: frozenset({B.APPROVED, B.REJECTED}),
    B.APPROVED: frozenset({B.RUNNING}),
    B.RUNNING: frozenset({B.DONE, B.DONE_WITH_FAILURES}),
    # A payout the provider failed after the job finished makes a done batch one with failures.
    B.DONE: frozenset({B.DONE_WITH_FAILURES}),
    # Failed rows are tried again only after a fresh approval of the retried rows.
    B.DONE_WITH_FAILURES: frozenset({B.AWAITING_APPROVAL}),
    B.REJECTED: frozenset(),
}
# The job works on these (the progress fragment polls while a batch is in one).
BATCH_IN_JOB: frozenset[BatchStatus] = frozenset({B.APPROVED, B.RUNNING})
BATCH_FINISHED: frozenset[BatchStatus] = frozenset({B.DONE, B.DONE_WITH_FAILURES})
BATCH_DECIDED: frozenset[BatchStatus] = frozenset({B.APPROVED, B.REJECTED})
# Submitted and not finished: its rows count as queued for the duplicate check.
BATCH_QUEUED: frozenset[BatchStatus] = BATCH_IN_JOB | {B.AWAITING_APPROVAL}


class IllegalBatchTransition(ValueError):
    """A move the batch state machine forbids, e.g. a rejected batch being run."""

    def __init__(self, current: BatchStatus, target: BatchStatus) -> None:
        super().__init__(f"batch cannot move from {current.value} to {target.value}")
        self.current = current
        self.target = target


def check_batch_transition(current: BatchStatus, target: BatchStatus) -> None:
    if target not in BATCH_TRANSITIONS[current]:
        raise IllegalBatchTransition(current, target)


def _known(column: str, enum_type: type[enum.StrEnum]) -> str:
    """SQL for a CHECK that `column` holds one of the Enum's values."""
    return f"{column} IN (" + ", ".join(f"'{member.value}'" for member in enum_type) + ")"


class RowState(enum.StrEnum):
    INVALID = "invalid"  # failed validation: never becomes a payout
    PENDING = "pending"  # valid, not handled yet
    SENT = "sent"  # its payout was approved and the provider asked to process it
    FAILED = "failed"  # the provider refused it (create or process); may be retried
    UNKNOWN = "unknown"  # the provider's answer is not known yet; recovery decides


class Batch(db.Model):
    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint("total >= 0", name="batch_total_not_negative"),
        CheckConstraint(_known("status", BatchStatus), name="status_known"),
        Index("ix_batches_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(32), default=BatchStatus.DRAFT)
    service_code: Mapped[str] = mapped_column(String(128))
    method_code: Mapped[str | None] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(8))
    # The service as validated (fields, limits): rows are created against exactly this.
    service_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")  # of the stored messages
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    valid_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # valid rows only
    errors_summary: Mapped[list[str] | None] = mapped_column(JSON)  # file-level messages

    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(String(1024))
    # Who asked to retry the failed rows (the retry waits for a fresh approval, not by them).
    retried_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on every re-upload; approvals and fingerprints are bound to it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The running job's lease: another runner may take over only after it expires.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    rejected_by: Mapped[User | None] = relationship(foreign_keys=[rejected_by_id])

    @property
    def status_enum(self) -> BatchStatus:
        return BatchStatus(self.status)

    def __repr__(self) -> str:
        return f"<Batch {self.id} {self.status}>"


class BatchRow(db.Model):
    """One line of the file. Recipient fields are kept like a payout's: masked for display,
    encrypted (valid rows only) to create the payout after approval."""

    __tablename__ = "batch_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_number", name="uq_batch_rows_batch_row"),
        Index("ix_batch_rows_batch_state", "batch_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)  # as the spreadsheet numbers it
    state: Mapped[str] = mapped_column(String(16), default=RowState.PENDING)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    amount_text: Mapped[str | None] = mapped_column(String(64))
    fields_masked: Mapped[dict[str, str]] = mapped_column(JSON)
    fields_encrypted: Mapped[str | None] = mapped_column(Text)
    customer_reference_id: Mapped[str | None] = mapped_column(String(128))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_email: Mapped[str | None] = mapped_column(String(255))
    customer_phone: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(1024))
    # [{"column": key or "", "message": text in the uploader's language}]
    errors: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # Keyed hash of service, currency, recipient fields and amount: finds duplicates.
    recipient_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # bumped by each retry
    # Why the row's payout failed, as data (webapp/payout_core/failures.py), worded when shown.
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payout_id: Mapped[int | None] = mapped_column(
        ForeignKey("payouts.id", ondelete="SET NULL"), index=True)

    payout: Mapped[Payout | None] = relationship()

    @property
    def state_enum(self) -> RowState:
        return RowState(self.state)


class BatchApproval(db.Model):
    """One manager's yes for one batch version (a second one is needed above a limit)."""

    __tablename__ = "batch_approvals"
    __table_args__ = (
        UniqueConstraint("batch_id", "user_id", name="uq_batch_approvals_batch_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    batch_version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
