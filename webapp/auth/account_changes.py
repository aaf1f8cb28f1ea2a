"""Who administered which account, and when: the relationship rule of approvals reads this.

Administering an account (creating it, resetting its password or second factor, changing its
roles, enabling it) is what lets one person prepare another account to act for them. Each admin
involved gets a row; a person's own changes to their own account are not recorded here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AccountChange, User
from webapp.models.base import utcnow


class AccountChangeKind(enum.StrEnum):
    CREATED = "created"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of change, not a secret)
    SECOND_FACTOR_RESET = "2fa_reset"
    ROLES_CHANGED = "roles_changed"
    ENABLED = "enabled"


def note(user: User, kind: AccountChangeKind, by_ids: Iterable[int | None],
         at: datetime | None = None) -> None:
    """Remember that the admins `by_ids` did `kind` to `user` (the caller commits)."""
    at = at or utcnow()
    for by_id in sorted({i for i in by_ids if i is not None and i != user.id}):
        db.session.add(AccountChange(user_id=user.id, kind=kind.value, by_id=by_id, at=at))


def administrators_of(user_id: int | None, since: datetime) -> set[int]:
    """Ids of everyone who administered `user_id`'s account at or after `since`."""
    if user_id is None:
        return set()
    return set(db.session.scalars(select(AccountChange.by_id).where(
        AccountChange.user_id == user_id, AccountChange.at >= since)))
