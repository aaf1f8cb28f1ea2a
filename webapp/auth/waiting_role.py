"""A person signed in without any role yet: usually a manager or admin grant waits for a second
admin. They see what waits and who may confirm it, instead of a bare "not allowed"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ChangeKind, ChangeStatus, PendingChange, Role, User, UserRole
from webapp.models.base import utcnow


@dataclass(frozen=True)
class WaitingGrant:
    roles: list[Role]
    requested_by: User
    confirmers: list[User]  # every admin but the one who asked (and the person it is about)


def waiting_grants(user: User) -> list[WaitingGrant]:
    """The role grants for `user` still waiting for a second admin, oldest first."""
    changes = db.session.scalars(select(PendingChange).where(
        PendingChange.kind == ChangeKind.GRANT_ROLE.value,
        PendingChange.target_user_id == user.id,
        PendingChange.status == ChangeStatus.PENDING.value,
        PendingChange.expires_at > utcnow()).order_by(PendingChange.id)).all()
    admins = active_admins()
    return [WaitingGrant(roles=[Role(r) for r in change.payload.get("grant", [])],
                         requested_by=change.requested_by,
                         confirmers=[a for a in admins
                                     if a.id not in (change.requested_by_id, user.id)])
            for change in changes]


def active_admins() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.ADMIN.value,
                                          User.disabled.is_(False))
        .order_by(User.username)))
