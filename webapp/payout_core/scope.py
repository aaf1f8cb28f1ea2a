"""Which rows a user may see: every query for payouts or batches starts here."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from webapp.extensions import db
from webapp.models import Payout, Role, User

SEE_ALL = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)
Rows = TypeVar("Rows", bound=tuple[Any, ...])


# One alias for every scoped query: a fresh one per call made each statement carry its own
# copy of the user columns (and miss SQLAlchemy's compiled-statement cache).
TEAM_CREATOR = aliased(User, name="team_creator")


def scoped(user: User, query: Select[Rows], created_by: InstrumentedAttribute[Any]
           ) -> Select[Rows]:
    """The one role rule: managers, admins and auditors see everything; operators what they
    or their team created (`created_by` is the row's creator column)."""
    if user.has_role(*SEE_ALL):
        return query
    if user.team:
        creator = TEAM_CREATOR
        return query.join(creator, created_by == creator.id).where(
            or_(created_by == user.id, creator.team == user.team)
        )
    return query.where(created_by == user.id)


def scope_key(user: User) -> str:
    """Users who see the same rows under `scoped` share this key (for per-scope caches)."""
    if user.has_role(*SEE_ALL):
        return "all"
    return f"team:{user.team}" if user.team else f"user:{user.id}"


def visible_payouts(user: User) -> Select[tuple[Payout]]:
    return scoped(user, select(Payout), Payout.created_by_id)


def visible_payout_or_404(user: User, payout_id: int) -> Payout:
    return db.first_or_404(visible_payouts(user).where(Payout.id == payout_id))
