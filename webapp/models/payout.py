"""A payout: the row we write before the provider hears of it, and its timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow
from webapp.models.status import CHECKABLE, FINAL_STATUSES, UNKNOWN_STATUSES, PayoutStatus
from webapp.models.user import User

MONEY = Numeric(28, 8)


def stored_amount(amount: Decimal) -> Decimal:
    """`amount` as the database keeps it (8 decimals), for text written before the row is read
    back (an audit line in the row's own commit reads like every other)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-(MONEY.scale or 0)))


HAS_DIGEST = "recipient_digest IS NOT NULL"
NO_DIGEST = "recipient_digest IS NULL"


class Payout(db.Model):
    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN (" + ", ".join(f"'{s.value}'" for s in PayoutStatus) + ")",
                        name="status_known"),
        Index("ix_payouts_created_at_id", "created_at", "id"),
        Index("ix_payouts_status_created_at", "status", "created_at"),
        # An operator's own payouts by status, latest change last: "to fix" (the header's
        # number on every page), what they can fix, what needs their attention.
        Index("ix_payouts_creator_status_updated", "created_by_id", "status", "updated_at"),
        # Only rows with a digest: `recipient_digest IS NULL` must not be answered from it
        # (SQLite did, reading every payout older than the digest migration on each check).
        # With status and age, whether an earlier payout still counts is read from it alone.
        Index("ix_payouts_recipient_digest", "recipient_digest", "status", "created_at",
              postgresql_where=text(HAS_DIGEST), sqlite_where=text(HAS_DIGEST)),
        # Rows stored without a digest, by service and age: the duplicate checks read the
        # recent ones of one service (a rolling deploy leaves a few), never the old ones.
        Index("ix_payouts_undigested", "service_code", "created_at",
              postgresql_where=text(NO_DIGEST), sqlite_where=text(NO_DIGEST)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[str] = mapped_column(String(64), unique=True)
    # One-time token of the form that produced this payout: a second submit finds this row.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32), default=PayoutStatus.AWAITING_APPROVAL)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(8), index=True)
    service_code: Mapped[str] = mapped_column(String(128), index=True)
    method_code: Mapped[str | None] = mapped_column(String(128))
    # The service as the operator saw it (fields with labels, limits): the form is rebuilt from it.
    service_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Recipient fields: masked copy for display, encrypted copy to re-send a create.
    fields_masked: Mapped[dict[str, str]] = mapped_column(JSON)
    fields_encrypted: Mapped[str] = mapped_column(Text)
    # Keyed digest of service, currency, fields and amount (payout_core/recipient_digest.py):
    # the duplicate checks look it up instead of decrypting candidates.
    recipient_digest: Mapped[str | None] = mapped_column(String(64))
    customer_reference_id: Mapped[str | None] = mapped_column(String(128))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_email: Mapped[str | None] = mapped_column(String(255))
    customer_phone: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(1024))

    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # "Send again" keeps the original creator above and names who resent it here; neither of
    # them may approve the copy.
    resent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(String(1024))

    provider_invoice_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(32))
    provider_resolution: Mapped[str | None] = mapped_column(String(64))
    provider_updated: Mapped[int | None] = mapped_column(Integer)  # provider's `updated` epoch
    provider_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why the last attempt failed, as data: {"kind": "ServerError", "http_status": 500, …}
    # (webapp/payout_core/failures.py); worded when shown, in the reader's language.
    last_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change of what would be paid; approvals are bound to it (fingerprint).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # How many times we asked the provider to process in this approval round (a definite
    # refusal starts a new round at 0); claimed by conditional UPDATE so that of all racing
    # approvers and recoverers exactly one sends each request.
    process_requests: Mapped[int] = mapped_column(Integer, default=0)
    # When the latest process request was claimed: an unclear answer is only re-sent once
    # the grace period since then has passed (the earlier request may still be running).
    process_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The spreadsheet batch this payout came from (None for a payout entered by hand).
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), index=True
    )

    # Loaded on access (usually from the identity map); lists join it explicitly.
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    rejected_by: Mapped[User | None] = relationship(foreign_keys=[rejected_by_id])
    events: Mapped[list[PayoutEvent]] = relationship(
        back_populates="payout", order_by="PayoutEvent.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> PayoutStatus:
        return PayoutStatus(self.status)

    @property
    def is_final(self) -> bool:
        return self.status_enum in FINAL_STATUSES

    @property
    def is_unknown(self) -> bool:
        """The provider's state is being found out (a create or process answer was unclear)."""
        return self.status_enum in UNKNOWN_STATUSES

    @property
    def can_check(self) -> bool:
        return self.status_enum in CHECKABLE

    def __repr__(self) -> str:
        return f"<Payout {self.id} {self.reference_id} {self.status}>"


class PayoutEvent(db.Model):
    """One line of a payout's timeline: who or what changed it, from which status to which."""

    __tablename__ = "payout_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(
        ForeignKey("payouts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(48))
    status_from: Mapped[str | None] = mapped_column(String(32))
    status_to: Mapped[str | None] = mapped_column(String(32))
    # Parameters of the event (`failure`, `reason`, `provider_status` …), never a sentence.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    payout: Mapped[Payout] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")
