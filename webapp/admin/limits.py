"""Approval limits: the most a manager may approve, per currency. They fail closed: without a
row for the currency (or the "*" row for every other currency) a manager cannot approve in it.
A row without an amount is an explicit "no limit"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from webapp.audit import record, user_target
from webapp.extensions import db
from webapp.models import ApprovalLimit, User
from webapp.models.base import utcnow

EVERY_CURRENCY = "*"
UNLIMITED = Decimal("Infinity")
NOTHING = Decimal("-Infinity")  # no row: not even a zero amount may be approved


@dataclass(frozen=True)
class ApplicableLimit:
    """The limit that applies to one manager in one currency."""

    currency: str  # the row's currency: the payout's own, or "*"
    max_amount: Decimal | None  # None: no limit

    def covers(self, amount: Decimal) -> bool:
        return self.max_amount is None or amount <= self.max_amount


def limits_of(user: User) -> list[ApprovalLimit]:
    return list(db.session.scalars(
        select(ApprovalLimit).where(ApprovalLimit.user_id == user.id)
        .order_by(ApprovalLimit.currency)))


def _row(user_id: int, currency: str) -> ApprovalLimit | None:
    return db.session.scalar(select(ApprovalLimit).where(
        ApprovalLimit.user_id == user_id, ApprovalLimit.currency == currency))


def applicable(user_id: int, currency: str) -> ApplicableLimit | None:
    """The currency's own row, else the "*" row, else None (cannot approve)."""
    row = _row(user_id, currency) or _row(user_id, EVERY_CURRENCY)
    return None if row is None else ApplicableLimit(row.currency, row.max_amount)


def _level(row: ApprovalLimit | None) -> Decimal:
    if row is None:
        return NOTHING
    return UNLIMITED if row.max_amount is None else row.max_amount


def _applicable_level(user_id: int, currency: str) -> Decimal:
    row = _row(user_id, currency)
    if row is None and currency != EVERY_CURRENCY:
        row = _row(user_id, EVERY_CURRENCY)
    return _level(row)


def is_raise(user: User, currency: str, amount: Decimal | None) -> bool:
    """True when `amount` (None: no limit) lets the user approve more in `currency` than the
    limit that applies now (its own line, else the "*" line)."""
    return (UNLIMITED if amount is None else amount) > _applicable_level(user.id, currency)


def removal_raises(user: User, currency: str) -> bool:
    """Removing a currency's line hands it to the "*" line: a raise when that one is higher."""
    if currency == EVERY_CURRENCY:
        return False
    own = _level(_row(user.id, currency))
    return _level(_row(user.id, EVERY_CURRENCY)) > own


def apply(user: User, currency: str, amount: Decimal | None, actor: User | None,
          set_by_id: int | None = None) -> None:
    """Write the limit (None: no limit) and audit the change."""
    row = _row(user.id, currency)
    before = _describe(row)
    if row is None:
        db.session.add(ApprovalLimit(user_id=user.id, currency=currency, max_amount=amount,
                                     set_by_id=set_by_id or _id(actor)))
    else:
        row.max_amount = amount
        row.set_by_id = set_by_id or _id(actor)
        row.set_at = utcnow()
    record("approval_limit_changed", actor=actor, target=user_target(user), details={
        "currency": currency, "from": before, "to": "none" if amount is None else str(amount)})


def _id(actor: User | None) -> int | None:
    return None if actor is None else actor.id  # None: the server's command line


def remove(user: User, currency: str, actor: User | None) -> bool:
    """Delete the row: the manager can no longer approve in `currency` (a lowering)."""
    row = _row(user.id, currency)
    if row is None:
        return False
    before = _describe(row)
    db.session.delete(row)
    record("approval_limit_changed", actor=actor, target=user_target(user), details={
        "currency": currency, "from": before, "to": None})
    return True


def _describe(row: ApprovalLimit | None) -> str | None:
    """For the audit row: None (no row), "none" (no limit) or the amount."""
    if row is None:
        return None
    return "none" if row.max_amount is None else str(row.max_amount)
