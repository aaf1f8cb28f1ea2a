"""Loads what the approval policy (webapp/approvals/policy.py) decides on: the approver's
roles and limit, who controls the payout or batch, and who administered those accounts.

Also answers the page's questions: which limit applies to the viewer, and who can still approve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from webapp.admin.limits import ApplicableLimit, applicable
from webapp.approvals.policy import (
    RELATIONSHIP_WINDOW,
    AccountEvents,
    Author,
    Case,
    Decision,
    Subject,
    decide,
)
from webapp.extensions import db
from webapp.models import AccountChange, Role, User, UserRole
from webapp.models.base import as_utc, utcnow


def account_events(user_ids: Iterable[int | None], now: datetime) -> dict[int, AccountEvents]:
    """For each account: (admin id, moment) of every administration in the window."""
    ids = {i for i in user_ids if i is not None}
    found: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    if ids:
        rows = db.session.execute(select(AccountChange.user_id, AccountChange.by_id,
                                         AccountChange.at).where(
            AccountChange.user_id.in_(ids), AccountChange.at >= now - RELATIONSHIP_WINDOW))
        for user_id, by_id, at in rows:
            found[user_id].append((by_id, as_utc(at)))
    return {i: tuple(found.get(i, ())) for i in ids}


@dataclass(frozen=True)
class Item:
    """What is to be approved, in the policy's terms."""

    subject: Subject
    authors: Mapping[Author, int | None]
    amount: Decimal
    currency: str
    waiting: bool
    ready: bool = True
    # Managers whose yes for the current version is already recorded.
    approved_by: frozenset[int] = frozenset()


def case_for(item: Item, approver: User, *, fingerprint_ok: bool = True,
             step_up_fresh: bool = True, now: datetime | None = None) -> Case:
    now = now or utcnow()
    authors = item.authors
    events = account_events([*authors.values(), approver.id], now)
    limit = applicable(approver.id, item.currency)
    return Case(
        subject=item.subject, approver_id=approver.id,
        approver_is_manager=approver.has_role(Role.MANAGER),
        approver_roles_conflict=approver.roles_conflict,
        authors=authors,
        author_account_events={p: events[p] for p in authors.values() if p is not None},
        approver_account_events=events[approver.id], now=now,
        waiting=item.waiting, ready=item.ready, fingerprint_ok=fingerprint_ok,
        step_up_fresh=step_up_fresh, amount=item.amount,
        has_limit=limit is not None, limit_amount=None if limit is None else limit.max_amount,
        approved_before_by_you=approver.id in item.approved_by)


def decision_for(item: Item, approver: User, **kwargs: object) -> Decision:
    return decide(case_for(item, approver, **kwargs))  # type: ignore[arg-type]


@dataclass(frozen=True)
class LimitAdvice:
    """What the approval area of a page says about limits."""

    yours: ApplicableLimit | None  # the viewer's limit in the currency (None: cannot approve)
    yours_covers: bool
    can_still_approve: list[User]  # managers whose yes would approve it now


def _active_managers() -> list[User]:
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.MANAGER.value, User.disabled.is_(False))
             .order_by(User.username))
    return list(db.session.scalars(query).unique())


def limit_advice(item: Item, viewer: User, now: datetime | None = None) -> LimitAdvice:
    """The viewer's applicable limit and every manager who could give the final yes now."""
    now = now or utcnow()
    yours = applicable(viewer.id, item.currency)
    finals = [manager for manager in _active_managers()
              if decision_for(item, manager, now=now).final]
    return LimitAdvice(yours=yours, yours_covers=yours is not None and yours.covers(item.amount),
                       can_still_approve=finals)
