"""Notifications: one row per (event, person), its in-app read flag and its e-mail's fate.

The idempotency key names the event (`payout:7:waiting:41`); with the user it is unique, so a
fan-out run twice, or by two workers at once, stores each notification once. The e-mail state
moves pending → sending → sent (or digest → sending → sent); `sending` is committed before
the message is handed to the SMTP server, so a crash after that moment is never re-sent.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import UTCDateTime, utcnow


class EmailState(enum.StrEnum):
    NONE = "none"  # no e-mail for this one (no address, e-mail off, or not wanted)
    PENDING = "pending"  # to be sent on its own, at `email_due_at`
    DIGEST = "digest"  # waits for the recipient's next digest
    SENDING = "sending"  # handed (or about to be handed) to the SMTP server: never again
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class Digest(enum.StrEnum):
    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("idempotency_key", "user_id", name="uq_notifications_key_user"),
        CheckConstraint("email_state IN (" + ", ".join(f"'{s.value}'" for s in EmailState)
                        + ")", name="email_state_known"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state", "email_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))  # a code: payout_waiting, payout_rejected …
    subject: Mapped[str] = mapped_column(String(16))  # payout | batch | account
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # What the wording needs, masked already (amount, currency, service, recipient, reason).
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_state: Mapped[str] = mapped_column(String(16), default=EmailState.NONE.value)
    email_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_message_id: Mapped[str | None] = mapped_column(String(255))
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_error: Mapped[str | None] = mapped_column(String(255))


class NotificationSource(db.Model):
    """A timeline event (or other source) whose notifications are stored: fanned out once."""

    __tablename__ = "notification_sources"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationPreference(db.Model):
    """Per person and event: e-mail or not, and (for waiting payouts) how often."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("digest IN (" + ", ".join(f"'{d.value}'" for d in Digest) + ")",
                        name="digest_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[str] = mapped_column(String(16), default=Digest.IMMEDIATE.value)


class EmailAddress(db.Model):
    """A person's e-mail address, and one waiting for its owner to confirm it."""

    __tablename__ = "email_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    address: Mapped[str | None] = mapped_column(String(254))
    pending_address: Mapped[str | None] = mapped_column(String(254))
    pending_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)
