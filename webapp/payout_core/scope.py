"""Which payouts a user may see: every query for payouts starts here."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.models import Payout, Role, User

SEE_ALL = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)


def visible_payouts(user: User) -> Select[tuple[Payout]]:
    """Managers, admins and auditors see everything; operators their own and their team's."""
    query = select(Payout)
    if user.has_role(*SEE_ALL):
        return query
    if user.team:
        creator = aliased(User)
        return query.join(creator, Payout.created_by_id == creator.id).where(
            or_(Payout.created_by_id == user.id, creator.team == user.team)
        )
    return query.where(Payout.created_by_id == user.id)


def visible_payout_or_404(user: User, payout_id: int) -> Payout:
    payout = db.session.scalar(visible_payouts(user).where(Payout.id == payout_id))
    if payout is None:
        abort(404)
    return payout
