"""Notifications whose sources have no timeline: batches (waiting, decided, finished), guarded
account changes waiting for a second admin, and one-time set-up links.

Each source state is handled once: its key goes into `notification_sources` in the same
commit as its notifications. Batch approvers come from the one approval policy, like payouts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.approvals.facts import case_for
from webapp.approvals.policy import decide
from webapp.batches.approval import item_of as batch_item
from webapp.extensions import db
from webapp.models import (
    Batch,
    BatchStatus,
    NotificationSource,
    PendingChange,
    Role,
    SetupLink,
    User,
)
from webapp.models.base import utcnow
from webapp.models.batch import BATCH_DECIDED, BATCH_FINISHED
from webapp.models.notification import EmailState
from webapp.models.security import ChangeStatus
from webapp.notifications.events import Event
from webapp.notifications.fanout import LOOKBACK, store
from webapp.notifications.recipients import Planned, users_with_role
from webapp.observability.card_numbers import mask_optional

log = logging.getLogger(__name__)
B = BatchStatus
DECIDED = {status.value for status in BATCH_DECIDED}
FINISHED = {status.value for status in BATCH_FINISHED}


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.username if user else ""


def batch_params(batch: Batch) -> dict[str, Any]:
    return {"id": batch.id, "rows": batch.valid_count, "total": f"{batch.total:.2f}",
            "currency": batch.currency, "service": batch.service_code,
            "creator": _name(batch.created_by_id)}


def batch_approvers(batch: Batch, *, final_only: bool = False) -> tuple[int, ...]:
    """Managers the policy lets approve `batch` now (`final_only`: whose yes is final)."""
    item = batch_item(batch)
    chosen = []
    for manager in users_with_role(Role.MANAGER):
        decision = decide(case_for(item, manager))
        if decision.allowed and (decision.final or not final_only):
            chosen.append(manager.id)
    return tuple(chosen)


def _batch_plans(since: datetime) -> Iterator[tuple[str, Planned, str, int]]:
    batches = db.session.scalars(select(Batch).where(
        Batch.updated_at >= since,
        Batch.status.in_([B.AWAITING_APPROVAL.value, *DECIDED, *FINISHED])))
    for batch in batches:
        spell = int((batch.retried_at or batch.submitted_at or batch.created_at).timestamp())
        key = f"batch:{batch.id}:{batch.status}:v{batch.version}:{spell}"
        params = batch_params(batch)
        yes = len(batch_item(batch).approved_by) if batch.status == B.AWAITING_APPROVAL.value \
            else 0
        if yes:  # a first yes above its giver's limit: managers whose limit covers it
            key = f"{key}:second:{yes}"
            planned = Planned(Event.BATCH_SECOND_APPROVAL, batch_approvers(batch, final_only=True),
                              key, params)
        elif batch.status == B.AWAITING_APPROVAL.value:
            planned = Planned(Event.BATCH_WAITING, batch_approvers(batch), key, params)
        elif batch.status in DECIDED:
            rejected = batch.status == B.REJECTED.value
            params.update(status=batch.status,
                          by=_name(batch.rejected_by_id if rejected else batch.approved_by_id),
                          reason=mask_optional((batch.rejection_reason or "")[:300]))
            planned = Planned(Event.BATCH_DECIDED, _uploaders(batch), key, params)
        else:
            planned = Planned(Event.BATCH_FINISHED, _uploaders(batch), key, params)
        yield key, planned, "batch", batch.id


def _uploaders(batch: Batch) -> tuple[int, ...]:
    return tuple(dict.fromkeys(i for i in (batch.created_by_id, batch.retried_by_id) if i))


def _account_plans(since: datetime) -> Iterator[tuple[str, Planned, str, int]]:
    changes = db.session.scalars(select(PendingChange).where(
        PendingChange.status == ChangeStatus.PENDING.value, PendingChange.requested_at >= since))
    for change in changes:
        others = tuple(a.id for a in users_with_role(Role.ADMIN)
                       if a.id not in (change.requested_by_id, change.target_user_id))
        key = f"change:{change.id}:waiting"
        yield key, Planned(Event.PRIVILEGE_REQUEST, others, key,
                           {"target": _name(change.target_user_id),
                            "by": _name(change.requested_by_id), "kind": change.kind}), \
            "change", change.id
    links = db.session.scalars(select(SetupLink).where(SetupLink.created_at >= since,
                                                       SetupLink.created_by_id.is_not(None)))
    for link in links:
        key = f"setup_link:{link.id}"
        assert link.created_by_id is not None
        yield key, Planned(Event.SETUP_LINK_ISSUED, (link.created_by_id,), key,
                           {"target": _name(link.user_id), "purpose": link.purpose}), \
            "user", link.user_id


def fan_out_others(now: datetime | None = None) -> list[int]:
    """Store what batches and account changes cause; returns ids to e-mail now."""
    now = now or utcnow()
    done = set(db.session.scalars(select(NotificationSource.key).where(
        NotificationSource.done_at >= now - LOOKBACK - LOOKBACK)))
    plans = [p for p in [*_batch_plans(now - LOOKBACK), *_account_plans(now - LOOKBACK)]
             if p[0] not in done]
    to_send: list[int] = []
    for key, planned, subject, subject_id in plans:
        try:
            rows = store(planned, subject, subject_id, now)
            db.session.add(NotificationSource(key=key, done_at=now))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        except Exception:
            db.session.rollback()
            log.exception("notifications for %s failed", key)
            continue
        to_send += [r.id for r in rows if r.email_state == EmailState.PENDING.value]
    return to_send
