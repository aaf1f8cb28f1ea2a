"""Approval limits per manager and the individual approvals a payout has collected."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow
from webapp.models.payout import MONEY
from webapp.models.user import User


class ApprovalLimit(db.Model):
    """The most a manager may approve in one currency ("*": every currency without its own
    row). No row means the manager cannot approve in that currency (limits fail closed); a row
    whose `max_amount` is NULL is an explicit "no limit", set by an admin pair."""

    __tablename__ = "approval_limits"
    __table_args__ = (
        UniqueConstraint("user_id", "currency", name="uq_approval_limits_user_currency"),
        CheckConstraint("max_amount >= 0", name="max_amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(8))
    max_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PayoutApproval(db.Model):
    """One manager's yes for one payout version; the unique key stops a manager counting twice."""

    __tablename__ = "payout_approvals"
    __table_args__ = (
        UniqueConstraint("payout_id", "user_id", name="uq_payout_approvals_payout_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    payout_version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
