"""The dashboard's numbers: what waits for me, today's and this week's totals, failures, volume.

Every query starts from `visible_payouts(user)`. Days and weeks are the user's own (time zone
from Flask-Babel, first weekday from the locale); bucketing happens in SQL with CASE over UTC
boundaries computed here, so it works the same on SQLite and PostgreSQL, DST included.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutCopy, PayoutStatus, User
from webapp.models.status import ENDED_UNPAID, TO_FIX
from webapp.payout_core.scope import visible_payouts
from webapp.payouts.list_filters import day_start_utc
from webapp.payouts.listing import CurrencyTotal, currency_totals, list_options

S = PayoutStatus
ATTENTION_LIMIT = 10
CHART_DAYS = 14


@dataclass(frozen=True)
class Periods:
    """The user's today, the start of their week and the UTC moments they begin."""

    today: date
    today_start: datetime
    week_start: datetime
    tomorrow_start: datetime

    @classmethod
    def at(cls, now: datetime, zone: tzinfo, first_week_day: int) -> Periods:
        today = now.astimezone(zone).date()
        monday_based = (today.weekday() - first_week_day) % 7
        return cls(today, day_start_utc(today, zone),
                   day_start_utc(today - timedelta(days=monday_based), zone),
                   day_start_utc(today + timedelta(days=1), zone))


@dataclass(frozen=True)
class StatusTotal:
    status: str
    currency: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class DayVolume:
    day: date
    count: int


def awaiting_my_approval(user: User) -> list[CurrencyTotal]:
    """Waiting payouts this manager may decide: not their own, not yet approved by them."""
    mine_already = exists().where(
        PayoutApproval.payout_id == Payout.id,
        PayoutApproval.user_id == user.id,
        PayoutApproval.payout_version == Payout.version,
    )
    return currency_totals(visible_payouts(user).where(
        Payout.status == S.AWAITING_APPROVAL.value,
        Payout.created_by_id != user.id,
        ~mine_already,
    ))


# The operator's to-do: failures and unclear states, and rejections (a rejected payout needs
# its creator again: fix and resend). One that was fixed and resent leaves the list.
MY_TO_FIX: tuple[PayoutStatus, ...] = (*TO_FIX, S.REJECTED)
FIXABLE_SHOWN = 10


def _not_fixed_yet() -> Any:
    return ~exists().where(PayoutCopy.original_id == Payout.id, PayoutCopy.kind == "fix")


def my_payouts_to_fix(user: User) -> dict[str, int]:
    """Count per status of the user's own payouts that need them again."""
    rows = db.session.execute(
        visible_payouts(user)
        .where(Payout.created_by_id == user.id, Payout.status.in_([s.value for s in MY_TO_FIX]),
               _not_fixed_yet())
        .with_only_columns(Payout.status, func.count(Payout.id))
        .group_by(Payout.status)
    )
    found = {status: count for status, count in rows}
    return {s.value: found[s.value] for s in MY_TO_FIX if s.value in found}


def payouts_i_can_fix(user: User) -> list[Payout]:
    """The user's rejected and failed payouts not fixed yet, newest first (with their reason:
    the rejection reason, the provider's resolution or the stored failure)."""
    return list(db.session.scalars(
        visible_payouts(user)
        .where(Payout.created_by_id == user.id,
               Payout.status.in_([s.value for s in ENDED_UNPAID]), _not_fixed_yet())
        .order_by(Payout.updated_at.desc(), Payout.id.desc())
        .limit(FIXABLE_SHOWN)
    ))


def to_fix_count(user: User) -> int:
    """The navigation's "to fix" number."""
    return sum(my_payouts_to_fix(user).values())


def to_approve_count(user: User) -> int:
    """The navigation's "waiting for me" number."""
    return sum(t.count for t in awaiting_my_approval(user))


def period_totals(user: User, periods: Periods) -> tuple[list[StatusTotal], list[StatusTotal]]:
    """(today, this week) count and sum by status and currency, in one GROUP BY."""
    is_today = case((Payout.created_at >= periods.today_start, 1), else_=0).label("is_today")
    recent = (
        visible_payouts(user)
        .where(Payout.created_at >= periods.week_start,
               Payout.created_at < periods.tomorrow_start)
        .with_only_columns(Payout.status, Payout.currency, Payout.amount, is_today)
        .subquery()
    )
    rows = db.session.execute(
        select(recent.c.is_today, recent.c.status, recent.c.currency,
               func.count(), func.sum(recent.c.amount))
        .group_by(recent.c.is_today, recent.c.status, recent.c.currency)
    )
    today: list[StatusTotal] = []
    week: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0)])
    for flag, status, currency, count, total in rows:
        amount = Decimal(total or 0)
        if flag == 1:
            today.append(StatusTotal(status, currency, count, amount))
        week[status, currency][0] += count  # the week starts on or before today
        week[status, currency][1] += amount
    order = {s.value: i for i, s in enumerate(S)}

    def ordered(items: list[StatusTotal]) -> list[StatusTotal]:
        return sorted(items, key=lambda t: (order.get(t.status, 99), t.currency))

    return ordered(today), ordered(
        [StatusTotal(s, c, n, t) for (s, c), (n, t) in week.items()])


def needing_attention(user: User) -> list[Payout]:
    """The latest failed or unclear payouts the user may see (creator joined in the query)."""
    return list(db.session.scalars(
        visible_payouts(user)
        .where(Payout.status.in_([s.value for s in TO_FIX]))
        .order_by(Payout.updated_at.desc(), Payout.id.desc())
        .options(*list_options())
        .limit(ATTENTION_LIMIT)
    ))


def daily_volume(user: User, periods: Periods, zone: tzinfo,
                 days: int = CHART_DAYS) -> list[DayVolume]:
    """Payouts created on each of the last `days` days (the user's days), oldest first."""
    first_day = periods.today - timedelta(days=days - 1)
    bounds = [day_start_utc(first_day + timedelta(days=i), zone) for i in range(days + 1)]
    bucket = case(*[(Payout.created_at < bounds[i + 1], i) for i in range(days)],
                  else_=days).label("bucket")
    inside = (
        visible_payouts(user)
        .where(and_(Payout.created_at >= bounds[0], Payout.created_at < bounds[-1]))
        .with_only_columns(bucket)
        .subquery()
    )
    counts = dict(db.session.execute(
        select(inside.c.bucket, func.count()).group_by(inside.c.bucket)
    ).all())
    return [DayVolume(first_day + timedelta(days=i), counts.get(i, 0)) for i in range(days)]


def now_utc() -> datetime:
    return datetime.now(UTC)
