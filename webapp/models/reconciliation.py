"""Reconciliation with the provider: runs over a period, and the differences each found.

A run walks the provider's invoice list page by page; after every page its cursor, counters
and provider-side totals are committed together with that page's differences and matches, so
a run that dies resumes at the page after its cursor, never counting a page twice.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow
from webapp.models.user import User


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # stopped by the provider; resumable from its cursor


class RunPhase(enum.StrEnum):
    PROVIDER = "provider"  # walking the provider's list
    DESK = "desk"  # the desk's payouts the provider did not list, and the desk's totals
    FINISHED = "finished"


class DifferenceKind(enum.StrEnum):
    UNKNOWN_AT_DESK = "unknown_at_desk"
    MISSING_AT_PROVIDER = "missing_at_provider"
    STATUS = "status"
    AMOUNT = "amount"
    CURRENCY = "currency"
    FEE = "fee"
    PROCESSED_AMOUNT = "processed_amount"


def _one_of(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class ReconciliationRun(db.Model):
    __tablename__ = "reconciliation_runs"
    __table_args__ = (
        CheckConstraint(_one_of("status", RunStatus), name="reconciliation_status_known"),
        CheckConstraint(_one_of("phase", RunPhase), name="reconciliation_phase_known"),
        CheckConstraint("period_end > period_start", name="reconciliation_period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.QUEUED.value, index=True)
    phase: Mapped[str] = mapped_column(String(16), default=RunPhase.PROVIDER.value)
    # The daily run's day ("2026-11-29"): unique, so two workers never start it twice.
    schedule_key: Mapped[str | None] = mapped_column(String(16), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    cursor: Mapped[str | None] = mapped_column(String(64))  # the last provider page's `after`
    pages: Mapped[int] = mapped_column(Integer, default=0)
    invoices_seen: Mapped[int] = mapped_column(Integer, default=0)
    invoices_in_period: Mapped[int] = mapped_column(Integer, default=0)
    payouts_checked: Mapped[int] = mapped_column(Integer, default=0)
    differences: Mapped[int] = mapped_column(Integer, default=0)
    # {"USD": {"processed": {"count": 3, "amount": "30.00", "fee": "0", "processed": "30"}}}
    provider_totals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    desk_totals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a failure (failures.py)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])

    @property
    def last_day(self) -> date:
        """The period's last day (its end is exclusive)."""
        return (self.period_end - timedelta(microseconds=1)).date()


class ReconciliationDifference(db.Model):
    __tablename__ = "reconciliation_differences"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DifferenceKind), name="reconciliation_kind_known"),
        Index("ix_reconciliation_differences_run_kind", "run_id", "kind"),
        Index("ix_reconciliation_differences_explained", "explained"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("reconciliation_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id", ondelete="SET NULL"))
    invoice_id: Mapped[str | None] = mapped_column(String(64))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(8))
    desk_value: Mapped[str | None] = mapped_column(String(64))
    provider_value: Mapped[str | None] = mapped_column(String(64))
    # A status difference settled by reading the invoice (the provider's word is taken).
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    explained: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(1000))
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    explained_by: Mapped[User | None] = relationship(foreign_keys=[explained_by_id])


class ReconciliationMatch(db.Model):
    """A payout the provider listed in this run: what is not here at the end is missing."""

    __tablename__ = "reconciliation_matches"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("reconciliation_runs.id", ondelete="CASCADE"), primary_key=True)
    payout_id: Mapped[int] = mapped_column(
        ForeignKey("payouts.id", ondelete="CASCADE"), primary_key=True)
