"""What other features may ask about reconciliation: the number of open differences (the
dashboard's warning)."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ReconciliationDifference


def open_differences() -> int:
    """Differences nobody has explained yet (a settled status difference counts until then)."""
    return int(db.session.scalar(select(func.count()).select_from(ReconciliationDifference)
                                 .where(ReconciliationDifference.explained.is_(False))) or 0)
