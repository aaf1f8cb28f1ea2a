"""The approval queue: what waits, oldest first, with filters and per-currency totals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, User
from webapp.payouts.listing import CurrencyTotal, currency_totals

WAITING = PayoutStatus.AWAITING_APPROVAL.value
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueFilters:
    currency: str | None = None
    service: str | None = None
    creator: int | None = None


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
    """Count and sum per currency of everything waiting, not only the page shown."""
    return currency_totals(_filtered(filters))


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
