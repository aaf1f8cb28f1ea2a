"""Approval limits: the most a manager may approve alone in one currency (none = unlimited)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from webapp.audit import record, user_target
from webapp.extensions import db
from webapp.models import ApprovalLimit, User
from webapp.models.base import utcnow

UNLIMITED = Decimal("Infinity")


def limits_of(user: User) -> list[ApprovalLimit]:
    return list(db.session.scalars(
        select(ApprovalLimit).where(ApprovalLimit.user_id == user.id)
        .order_by(ApprovalLimit.currency)))


def _row(user: User, currency: str) -> ApprovalLimit | None:
    return db.session.scalar(select(ApprovalLimit).where(
        ApprovalLimit.user_id == user.id, ApprovalLimit.currency == currency))


def is_raise(user: User, currency: str, amount: Decimal | None) -> bool:
    """True when `amount` (None: no limit) lets the user approve more alone than now."""
    row = _row(user, currency)
    current = UNLIMITED if row is None else row.max_amount
    wanted = UNLIMITED if amount is None else amount
    return wanted > current


def apply(user: User, currency: str, amount: Decimal | None, actor: User,
          set_by_id: int | None = None) -> None:
    """Write the limit (None removes it) and audit the change."""
    row = _row(user, currency)
    before = None if row is None else str(row.max_amount)
    if amount is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(ApprovalLimit(user_id=user.id, currency=currency, max_amount=amount,
                                     set_by_id=set_by_id or actor.id))
    else:
        row.max_amount = amount
        row.set_by_id = set_by_id or actor.id
        row.set_at = utcnow()
    record("approval_limit_changed", actor=actor, target=user_target(user), details={
        "currency": currency, "from": before, "to": None if amount is None else str(amount)})
