"""The 24-hour cooling rule: a manager made (created or promoted) in the last day cannot approve
payouts created by the admin who made them, so a fresh accomplice account is useless at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from webapp.models import User
from webapp.models.base import utcnow

COOLING = timedelta(hours=24)


def makers_in_cooling(user: User, now: datetime | None = None) -> set[int]:
    """Ids of the admins who created or promoted `user` less than 24 hours ago."""
    now = now or utcnow()
    makers: set[int | None] = set()
    if user.created_at is not None and now - user.created_at < COOLING:
        makers.add(user.created_by_id)
    if user.promoted_at is not None and now - user.promoted_at < COOLING:
        makers.update({user.promoted_by_id, user.promotion_confirmed_by_id})
    return {maker for maker in makers if maker is not None}


def is_cooling_off(approver: User, creator_id: int | None, now: datetime | None = None) -> bool:
    return creator_id is not None and creator_id in makers_in_cooling(approver, now)
