"""The recipient book: people and companies paid again and again, their saved payment details
(encrypted at rest like a payout's fields), which payouts paid them, and which payouts are
copies of others ("pay again", "fix and resend")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow
from webapp.models.payout import MONEY

COPY_KINDS = ("again", "fix")


class Recipient(db.Model):
    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    # The desk's own id for the recipient (sent as the invoice's customer reference; named by
    # batch files). Unique when given.
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    details: Mapped[list[RecipientDetail]] = relationship(
        back_populates="recipient", order_by="RecipientDetail.id", cascade="all, delete-orphan")


class RecipientDetail(db.Model):
    """One saved way to pay a recipient: a provider service and its field values."""

    __tablename__ = "recipient_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str] = mapped_column(String(128))
    method_code: Mapped[str | None] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(8))
    # The service as it was when the values were saved: drift is found by comparing with it.
    service_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    fields_masked: Mapped[dict[str, str]] = mapped_column(JSON)
    fields_encrypted: Mapped[str] = mapped_column(Text)
    # The last four digits of each value, space separated: "search by the last digits".
    search_tail: Mapped[str] = mapped_column(String(255), default="")
    # The amount last paid (or typed when saving): "pay" opens the form with it.
    last_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recipient: Mapped[Recipient] = relationship(back_populates="details")


class RecipientPayout(db.Model):
    """A payout made to a saved recipient (its history)."""

    __tablename__ = "recipient_payouts"

    payout_id: Mapped[int] = mapped_column(
        ForeignKey("payouts.id", ondelete="CASCADE"), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    detail_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipient_details.id", ondelete="SET NULL"))


class PayoutCopy(db.Model):
    """A payout made as a copy of another: the original's creator is kept here so that the
    approval policy keeps them off the copy."""

    __tablename__ = "payout_copies"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in COPY_KINDS) + ")",
                        name="copy_kind_known"),
    )

    copy_id: Mapped[int] = mapped_column(
        ForeignKey("payouts.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[int] = mapped_column(
        ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    original_creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8))
