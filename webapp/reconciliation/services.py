"""What the reconciliation page reads and the one thing a person changes here: marking a
difference explained, with a note (audited). Runs start through jobs.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update

from webapp.audit import record
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import DifferenceKind, ReconciliationDifference, ReconciliationRun, User
from webapp.models.base import utcnow

K = DifferenceKind
PAGE_ROWS = 200
MAX_NOTE = 1000
MAX_DAYS = 366

KIND_LABELS = {
    K.UNKNOWN_AT_DESK: _l("At the provider, unknown to the desk"),
    K.MISSING_AT_PROVIDER: _l("On the desk, missing at the provider"),
    K.STATUS: _l("Status differs"),
    K.AMOUNT: _l("Amount differs"),
    K.CURRENCY: _l("Currency differs"),
    K.FEE: _l("Fee differs"),
    K.PROCESSED_AMOUNT: _l("Processed amount differs"),
}


def kind_label(kind: str) -> str:
    try:
        return str(KIND_LABELS[K(kind)])
    except ValueError:
        return kind


class NoteRequired(ValueError):
    """Explaining a difference needs a note: the next reader must know why."""


class PeriodError(ValueError):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    state: str | None = None  # "open" | "explained"
    currency: str | None = None

    def pairs(self) -> dict[str, str]:
        return {k: v for k, v in (("kind", self.kind), ("state", self.state),
                                  ("currency", self.currency)) if v}


def parse_filters(args: Any) -> Filters:
    kind = args.get("kind") or None
    state = args.get("state") or None
    currency = (args.get("currency") or "").strip().upper()[:8] or None
    return Filters(kind if kind in {k.value for k in K} else None,
                   state if state in ("open", "explained") else None, currency)


def parse_period(first: str | None, last: str | None) -> tuple[datetime, datetime]:
    """Two dates (YYYY-MM-DD, both days included) as a UTC period [start, end)."""
    try:
        start_day = date.fromisoformat((first or "").strip())
        end_day = date.fromisoformat((last or "").strip())
    except ValueError:
        raise PeriodError(_l("Enter both dates as YYYY-MM-DD.")) from None
    if end_day < start_day:
        raise PeriodError(_l("The period ends before it starts."))
    if (end_day - start_day).days >= MAX_DAYS:
        raise PeriodError(_l("A run covers at most %(days)s days.", days=MAX_DAYS))
    start = datetime.combine(start_day, time(), tzinfo=utcnow().tzinfo)
    return start, datetime.combine(end_day + timedelta(days=1), time(), tzinfo=start.tzinfo)


def recent_runs(limit: int = 30) -> list[ReconciliationRun]:
    return list(db.session.scalars(select(ReconciliationRun)
                                   .order_by(ReconciliationRun.id.desc()).limit(limit)))


def differences_query(run_id: int, filters: Filters) -> Select[tuple[ReconciliationDifference]]:
    query = select(ReconciliationDifference).where(ReconciliationDifference.run_id == run_id)
    if filters.kind:
        query = query.where(ReconciliationDifference.kind == filters.kind)
    if filters.state == "open":
        query = query.where(ReconciliationDifference.explained.is_(False))
    elif filters.state == "explained":
        query = query.where(ReconciliationDifference.explained.is_(True))
    if filters.currency:
        query = query.where(ReconciliationDifference.currency == filters.currency)
    return query.order_by(ReconciliationDifference.id)


def differences_page(run_id: int, filters: Filters) -> tuple[list[ReconciliationDifference], int]:
    """The first PAGE_ROWS differences shown, and how many match (the export has them all)."""
    query = differences_query(run_id, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.limit(PAGE_ROWS))), int(total or 0)


def counts_by_kind(run_id: int) -> dict[str, int]:
    rows = db.session.execute(select(ReconciliationDifference.kind, func.count())
                              .where(ReconciliationDifference.run_id == run_id)
                              .group_by(ReconciliationDifference.kind)).all()
    return {kind: int(count) for kind, count in rows}


def explain(difference_id: int, user: User, note: str) -> ReconciliationDifference | None:
    """Mark it explained with `note`; None when it was already (a second click changes
    nothing and writes no audit line)."""
    note = (note or "").strip()
    if not note:
        raise NoteRequired
    won = db.session.execute(
        update(ReconciliationDifference)
        .where(ReconciliationDifference.id == difference_id,
               ReconciliationDifference.explained.is_(False))
        .values(explained=True, note=note[:MAX_NOTE], explained_by_id=user.id,
                explained_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        return None
    difference = db.session.get(ReconciliationDifference, difference_id, populate_existing=True)
    assert difference is not None
    record("reconciliation.explained", actor=user,
           target=f"reconciliation_difference:{difference_id}",
           details={"run": difference.run_id, "kind": difference.kind, "note": note[:200]})
    db.session.commit()
    return difference
