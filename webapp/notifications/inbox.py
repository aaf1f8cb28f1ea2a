"""The in-app inbox: a person's notifications, newest first, and how many are unread."""

from __future__ import annotations

from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Notification
from webapp.models.base import utcnow

PAGE = 100


def unread_count(user_id: int) -> int:
    return int(db.session.scalar(select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def latest(user_id: int, limit: int = PAGE) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of `user_id` read; commits."""
    statement = update(Notification).where(Notification.user_id == user_id,
                                           Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = db.session.execute(statement.values(read_at=utcnow())).rowcount
    db.session.commit()
    return int(count)
