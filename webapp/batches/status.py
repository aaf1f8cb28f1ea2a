"""The one writer of a batch's status: every change is checked against the batch transition
table (an illegal move raises `IllegalBatchTransition`) and applied as a conditional UPDATE
whose row count says whether this caller won."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, update

from webapp.extensions import db
from webapp.models import Batch, BatchStatus, check_batch_transition
from webapp.models.base import utcnow


def move_batch(batch_id: int, allowed_from: Iterable[BatchStatus], to: BatchStatus,
               *conditions: ColumnElement[bool], **values: Any) -> bool:
    """UPDATE … SET status = to WHERE status IN (allowed_from) AND conditions; True when this
    caller's update matched. Runs in the caller's transaction (the caller commits)."""
    sources = list(allowed_from)
    for source in sources:
        check_batch_transition(source, to)
    statement = (
        update(Batch)
        .where(Batch.id == batch_id, Batch.status.in_([s.value for s in sources]), *conditions)
        .values(status=to.value, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount == 1
