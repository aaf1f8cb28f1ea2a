"""Every signed callback we accepted, raw body kept for audit; the digest deduplicates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow


class CallbackLog(db.Model):
    __tablename__ = "callback_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    raw_body: Mapped[str] = mapped_column(Text)
    invoice_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reference_id: Mapped[str | None] = mapped_column(String(64))
    reported_status: Mapped[str | None] = mapped_column(String(32))
    reported_updated: Mapped[int | None] = mapped_column(Integer)
    payout_id: Mapped[int | None] = mapped_column(
        ForeignKey("payouts.id", ondelete="SET NULL"), index=True
    )
    # received → applied | no_change | stale | fetch_failed; or unknown_invoice
    outcome: Mapped[str] = mapped_column(String(32), default="received")
