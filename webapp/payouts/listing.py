"""SQL for the payouts list and its exports: filters, keyset pages and totals, in one place.

Every query starts from `visible_payouts(user)`. Pages are keyset-paginated on
(created_at DESC, id DESC), served by the index ix_payouts_created_at_id, so the 2,000th page
costs what the first does; OFFSET would read and throw away every row before it.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from cachetools import LRUCache, TTLCache
from flask import current_app
from sqlalchemy import Select, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from webapp.extensions import db
from webapp.models import Payout, User
from webapp.models.base import as_utc
from webapp.payout_core.scope import scope_key, visible_payouts
from webapp.payouts.list_filters import Filters
from webapp.query_args import bounded_int

PAGE_SIZE = 50
# What a row of the list or the dashboard shows; the heavy columns (encrypted fields, provider
# payload, service snapshot) stay in the database.
LIST_COLUMNS = (
    Payout.id, Payout.reference_id, Payout.status, Payout.amount, Payout.currency,
    Payout.service_code, Payout.customer_name, Payout.fields_masked, Payout.created_by_id,
    Payout.created_at, Payout.updated_at, Payout.provider_resolution, Payout.last_error,
)


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts strictly after it."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{as_utc(self.created_at).isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """None for a missing or tampered cursor: the list then starts from the top."""
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            moment, _sep, ident = raw.partition("|")
            return cls(as_utc(datetime.fromisoformat(moment)), bounded_int(ident))
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            return None

    @classmethod
    def after(cls, payout: Payout | ListRow) -> Cursor:
        return cls(payout.created_at, payout.id)


class ListRow(NamedTuple):
    """What one row of the list shows: a plain tuple, not a Payout (the profile of the list
    showed ORM object building, identity map and lazy-load set-up costing more than the SQL)."""

    id: int
    created_at: datetime
    amount: Decimal
    currency: str
    service_code: str
    customer_name: str | None
    fields_masked: dict[str, str] | None
    status: str
    creator: str


ROW_COLUMNS = (Payout.id, Payout.created_at, Payout.amount, Payout.currency,
               Payout.service_code, Payout.customer_name, Payout.fields_masked, Payout.status)


# One alias for every page query: a fresh alias per request made SQLAlchemy adapt the columns
# again each time (and miss its compiled-statement cache).
CREATOR = aliased(User, name="creator")


@dataclass(frozen=True)
class Page:
    payouts: Sequence[ListRow]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total: Decimal


def filtered_payouts(user: User, filters: Filters) -> Select[tuple[Payout]]:
    """The user's visible payouts narrowed by `filters` (unordered)."""
    query = visible_payouts(user)
    if filters.statuses:
        query = query.where(Payout.status.in_(filters.statuses))
    if filters.currency:
        query = query.where(Payout.currency == filters.currency)
    if filters.service:
        query = query.where(Payout.service_code == filters.service)
    if filters.creator_id is not None:
        query = query.where(Payout.created_by_id == filters.creator_id)
    if filters.created_from is not None:
        query = query.where(Payout.created_at >= as_utc(filters.created_from))
    if filters.created_before is not None:
        query = query.where(Payout.created_at < as_utc(filters.created_before))
    if filters.amount_min is not None:
        query = query.where(Payout.amount >= filters.amount_min)
    if filters.amount_max is not None:
        query = query.where(Payout.amount <= filters.amount_max)
    if filters.q:
        query = query.where(or_(
            Payout.reference_id == filters.q,
            Payout.provider_invoice_id == filters.q,
            Payout.customer_name.icontains(filters.q, autoescape=True),
            Payout.customer_email.icontains(filters.q, autoescape=True),
        ))
    return query


def newest_first(query: Select, after: Cursor | None) -> Select:
    """`query` in list order, starting strictly after `after`."""
    if after is not None:
        query = query.where(tuple_(Payout.created_at, Payout.id) < tuple_(
            literal(as_utc(after.created_at), Payout.created_at.type),
            literal(after.id, Payout.id.type),
        ))
    return query.order_by(Payout.created_at.desc(), Payout.id.desc())


def fetch_user_page(user: User, filters: Filters, after: Cursor | None,
                    size: int = PAGE_SIZE) -> Page:
    """One page of what `user` may see through `filters`, and the cursor of the next (None on
    the last page): one SELECT of the shown columns, the creator's name joined. The unfiltered
    first page (the page most often asked for) has its statement built once per user:
    building it again cost a fifth of the query's time. Statements are immutable, so threads
    share them; searches are not kept (each typed text would add one)."""
    if after is not None or filters != Filters():
        return _run_page(_page_statement(filtered_payouts(user, filters), after, size), size)
    key = (user.id, scope_key(user), size)
    with _statements_lock:
        statement = _first_pages.get(key)
    if statement is None:
        statement = _page_statement(filtered_payouts(user, filters), None, size)
        with _statements_lock:
            _first_pages[key] = statement
    return _run_page(statement, size)


_first_pages: LRUCache[tuple[Any, ...], Select[Any]] = LRUCache(maxsize=256)
_statements_lock = threading.Lock()


def _page_statement(query: Select[tuple[Payout]], after: Cursor | None,
                    size: int) -> Select[Any]:
    shown = (query.with_only_columns(*ROW_COLUMNS, CREATOR.username)
             .join(CREATOR, CREATOR.id == Payout.created_by_id))
    return newest_first(shown, after).limit(size + 1)


def _run_page(statement: Select[Any], size: int) -> Page:
    rows = [ListRow(*row) for row in db.session.execute(statement)]
    payouts = rows[:size]
    more = len(rows) > size
    return Page(payouts, Cursor.after(payouts[-1]) if more and payouts else None)


def list_options() -> tuple:
    """Only what a row shows; the creator in the same SELECT, without their roles (which
    would otherwise cost a selectin query per page)."""
    return (load_only(*LIST_COLUMNS),
            joinedload(Payout.created_by).options(lazyload(User.role_rows)))


# Grouped by an expression of the currency, not the column: with statistics, SQLite grouped
# by walking the whole table through ix_payouts_currency (to skip a sort), however few rows
# matched; the 2,000 payouts waiting among 100,000 took 110 ms instead of 4 ms.
_CURRENCY = Payout.currency.concat(literal_column("''")).label("currency")


def currency_totals(query: Select[tuple[Payout]]) -> list[CurrencyTotal]:
    """Count and sum per currency of everything `query` matches: one GROUP BY."""
    grouped = (
        query.order_by(None)
        .with_only_columns(_CURRENCY, func.count(Payout.id), func.sum(Payout.amount))
        .group_by(_CURRENCY)
        .order_by(_CURRENCY)
    )
    return [CurrencyTotal(currency, count, Decimal(total or 0))
            for currency, count, total in db.session.execute(grouped)]


@dataclass(frozen=True)
class Choices:
    currencies: list[str]
    services: list[str]
    creators: list[tuple[int, str]]


CHOICES_TTL_SECONDS = 60
_choices_lock = threading.Lock()


def cached_filter_choices(user: User) -> Choices:
    """The filter selects change rarely but scan every visible payout: keep them a minute per
    scope (a per-process cache; a stale option only filters to an empty page)."""
    cache: TTLCache[str, Choices] = current_app.extensions.setdefault(
        "payout_filter_choices", TTLCache(maxsize=1024, ttl=CHOICES_TTL_SECONDS))
    key = scope_key(user)
    with _choices_lock:
        hit = cache.get(key)
    if hit is not None:
        return hit
    choices = filter_choices(user)
    with _choices_lock:
        cache[key] = choices
    return choices


def filter_choices(user: User) -> Choices:
    """Currencies, services and creators among the payouts this user may see (two queries)."""
    pairs = db.session.execute(
        visible_payouts(user)
        .with_only_columns(Payout.currency, Payout.service_code)
        .distinct()
    ).all()
    creator_ids = visible_payouts(user).with_only_columns(Payout.created_by_id)
    creators = db.session.execute(
        select(User.id, User.username).where(User.id.in_(creator_ids)).order_by(User.username)
    ).all()
    return Choices(
        currencies=sorted({c for c, _s in pairs}),
        services=sorted({s for _c, s in pairs}),
        creators=[(i, name) for i, name in creators],
    )
