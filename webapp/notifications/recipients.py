"""Who hears about a payout's timeline event. Approvers come from the one approval policy
(webapp/approvals/policy.py via its facts): a manager is told a payout waits only if the
policy would let them approve it now (not the creator, not a related account, a limit that
fails closed); a second approval goes only to those whose limit makes their yes final."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from webapp.approvals.facts import case_for
from webapp.approvals.policy import decide
from webapp.approvals.services import item_of
from webapp.extensions import db
from webapp.models import Payout, PayoutEvent, PayoutStatus, Role, User, UserRole
from webapp.models.status import PAID_OUT, RETRY_AS_NEW, values
from webapp.notifications.events import Event
from webapp.observability.card_numbers import mask_optional

S = PayoutStatus
FAILED = set(values(RETRY_AS_NEW))  # failed at the provider, before or after creation
PAID = set(values(PAID_OUT))


@dataclass(frozen=True)
class Planned:
    """Notifications to store: one per user, all under one idempotency key."""

    event: Event
    user_ids: tuple[int, ...]
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def users_with_role(role: Role) -> list[User]:
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == role.value, User.disabled.is_(False)).order_by(User.id))
    return [u for u in db.session.scalars(query).unique() if u.has_role(role)]


def approvers(payout: Payout, *, final_only: bool = False) -> list[int]:
    """Managers the policy lets approve `payout` now (`final_only`: whose yes is final)."""
    item = item_of(payout)
    chosen = []
    for manager in users_with_role(Role.MANAGER):
        decision = decide(case_for(item, manager))
        if decision.allowed and (decision.final or not final_only):
            chosen.append(manager.id)
    return chosen


def payout_params(payout: Payout) -> dict[str, Any]:
    """What any payout notification may show: masked recipient, amount, service, creator."""
    recipient = ", ".join(str(v) for v in (payout.fields_masked or {}).values())
    creator = db.session.get(User, payout.created_by_id)
    return {"id": payout.id, "amount": f"{payout.amount:.2f}", "currency": payout.currency,
            "service": payout.service_code, "recipient": mask_optional(recipient[:120]) or "",
            "creator": creator.username if creator else ""}


def authors(payout: Payout) -> tuple[int, ...]:
    return tuple(dict.fromkeys(i for i in (payout.created_by_id, payout.resent_by_id) if i))


def _username(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.username if user else ""


def makes_waiting(event: PayoutEvent) -> bool:
    """The event put an invoice the provider confirmed into the approval queue."""
    if event.status_to == S.AWAITING_APPROVAL.value:
        return event.kind != "created"  # "created": stored only, not confirmed yet
    return event.status_to is None and (event.details or {}).get("provider_status") == "created"


def plan(event: PayoutEvent, payout: Payout) -> list[Planned]:
    """Every notification this timeline event causes (none for most events)."""
    if payout.batch_id is not None:
        return []  # batch rows are decided and reported as their batch
    key = f"payout:{payout.id}:{{}}:{event.id}"
    params = payout_params(payout)
    waiting_now = payout.status_enum == S.AWAITING_APPROVAL and payout.provider_invoice_id
    if makes_waiting(event) and waiting_now:
        return [Planned(Event.PAYOUT_WAITING, tuple(approvers(payout)),
                        key.format("waiting"), params)]
    if event.kind == "first_approval" and waiting_now:
        return [Planned(Event.PAYOUT_SECOND_APPROVAL, tuple(approvers(payout, final_only=True)),
                        key.format("second"), {**params, "by": _username(event.actor_id)})]
    if event.kind in {"approved", "approved_in_batch"}:
        return [Planned(Event.PAYOUT_APPROVED, authors(payout), key.format("approved"),
                        {**params, "by": _username(event.actor_id)})]
    if event.kind == "rejected":
        reason = mask_optional(str((event.details or {}).get("reason", ""))[:300])
        return [Planned(Event.PAYOUT_REJECTED, authors(payout), key.format("rejected"),
                        {**params, "by": _username(event.actor_id), "reason": reason})]
    if event.status_to in FAILED:
        return [Planned(Event.PAYOUT_FAILED, authors(payout), key.format("failed"),
                        {**params, "code": failure_code(event, payout)})]
    if event.status_to in PAID:
        return [Planned(Event.PAYOUT_FINAL, authors(payout), key.format("final"),
                        {**params, "status": event.status_to})]
    return []


def failure_code(event: PayoutEvent, payout: Payout) -> str:
    """A code, never free text: the provider's resolution or our failure kind."""
    details = event.details or {}
    failure = details.get("failure") or {}
    code = details.get("resolution") or payout.provider_resolution or (
        failure.get("kind") if isinstance(failure, dict) else None)
    return str(code or details.get("provider_status") or "")[:64]


def stuck_recipients(payout: Payout) -> tuple[int, ...]:
    """The creator (and resender), and every admin."""
    admins: Iterable[int] = (u.id for u in users_with_role(Role.ADMIN))
    return tuple(dict.fromkeys([*authors(payout), *admins]))
