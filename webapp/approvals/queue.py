"""The approval queue: what waits, oldest first, with filters and per-currency totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, User

WAITING = PayoutStatus.AWAITING_APPROVAL.value
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueFilters:
    currency: str | None = None
    service: str | None = None
    creator: int | None = None


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total: Decimal


def _filtered(filters: QueueFilters):
    query = select(Payout).where(Payout.status == WAITING)
    if filters.currency:
        query = query.where(Payout.currency == filters.currency)
    if filters.service:
        query = query.where(Payout.service_code == filters.service)
    if filters.creator:
        query = query.where(Payout.created_by_id == filters.creator)
    return query


def waiting_payouts(filters: QueueFilters) -> list[Payout]:
    query = (_filtered(filters).options(joinedload(Payout.created_by))
             .order_by(Payout.created_at, Payout.id).limit(QUEUE_LIMIT))
    return list(db.session.scalars(query))


def totals(filters: QueueFilters) -> list[CurrencyTotal]:
    sub = _filtered(filters).subquery()
    rows = db.session.execute(
        select(sub.c.currency, func.count(), func.sum(sub.c.amount))
        .group_by(sub.c.currency).order_by(sub.c.currency)
    )
    return [CurrencyTotal(c, n, Decimal(t)) for c, n, t in rows]


def filter_choices() -> dict[str, list]:
    """Currencies, services and creators present in the queue, for the filter selects."""
    base = select(Payout).where(Payout.status == WAITING).subquery()
    currencies = db.session.scalars(select(base.c.currency).distinct().order_by(base.c.currency))
    services = db.session.scalars(
        select(base.c.service_code).distinct().order_by(base.c.service_code))
    creators = db.session.execute(
        select(User.id, User.username).where(User.id.in_(select(base.c.created_by_id)))
        .order_by(User.username))
    return {"currencies": list(currencies), "services": list(services),
            "creators": list(creators)}
