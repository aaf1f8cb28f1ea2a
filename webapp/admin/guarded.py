"""Guarded privileges: granting manager/admin, raising an approval limit, creating a user,
resetting someone's password or second factor and enabling a disabled account wait as a
PendingChange until a second admin confirms (within 24 hours). Confirming an account action that
needs a new password yields a one-time set-up link for the user; the asking admin never sees it.

The requester can never confirm (checked here and again in the conditional UPDATE), nor can
the person the change is about. Confirming applies the change in the same transaction. Each
function writes its audit rows and leaves the commit to the caller; a `GuardRefused` carries an
audit row of the refusal that the caller should commit too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from webapp.admin import limits
from webapp.audit import record, user_target
from webapp.auth import services, setup_links, twofactor
from webapp.auth.account_changes import AccountChangeKind, note
from webapp.auth.sessions import end_all
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import ChangeKind, ChangeStatus, PendingChange, Role, User
from webapp.models.base import utcnow

PRIVILEGED_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
LIFETIME = timedelta(hours=24)
REFUSALS = {
    "own_request": _l("You cannot confirm your own request: another admin must."),
    "own_account": _l("You cannot confirm a change to your own account: another admin must."),
    "not_pending": _l("This request was already decided."),
    "expired": _l("This request is older than 24 hours and has expired. Ask again."),
}


class GuardRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(str(REFUSALS[reason]))
        self.reason = reason


def _audit(action: str, change: PendingChange, actor: User | None, **extra: Any) -> None:
    record(action, actor=actor, target=user_target(change.target), details={
        "change": change.id, "kind": change.kind, **change.payload, **extra})


def request_change(kind: ChangeKind, target: User, payload: dict[str, Any], actor: User
                   ) -> PendingChange:
    """File the request (an identical one still pending is reused, not doubled)."""
    same = db.session.scalars(select(PendingChange).where(
        PendingChange.kind == kind.value, PendingChange.target_user_id == target.id,
        PendingChange.status == ChangeStatus.PENDING.value)).all()
    for change in same:
        if change.payload == payload and change.expires_at > utcnow():
            return change
    change = PendingChange(kind=kind.value, target=target, payload=payload,
                           requested_by_id=actor.id, expires_at=utcnow() + LIFETIME)
    db.session.add(change)
    db.session.flush()
    _audit("change_requested", change, actor)
    return change


def request_roles(target: User, wanted: Iterable[Role], actor: User) -> PendingChange | None:
    """Removals and operator/auditor apply now; a manager or admin grant waits for a second
    admin. Roles that cannot go yet (the user would have none) go when the grant is confirmed."""
    wanted = set(wanted)
    if not wanted:
        raise services.AccountError(str(_l("Give the user at least one role.")))
    services.check_roles_compatible(wanted)
    old = target.roles
    if target.roles_conflict and wanted != old:
        # Mending an account that holds admin and a money role decides which duty it keeps:
        # that is for an admin pair, like any grant.
        return request_change(ChangeKind.GRANT_ROLE, target, {
            "grant": sorted(r.value for r in wanted - old),
            "remove": sorted(r.value for r in old - wanted)}, actor)
    grants = (wanted - old) & PRIVILEGED_ROLES
    now_roles = wanted - grants
    later_removed: set[Role] = set()
    if not now_roles:
        now_roles, later_removed = old, old - wanted
    if now_roles and now_roles != old:
        services.set_roles(target, now_roles, actor=actor)
    if not grants:
        return None
    return request_change(ChangeKind.GRANT_ROLE, target, {
        "grant": sorted(r.value for r in grants),
        "remove": sorted(r.value for r in later_removed)}, actor)


def request_limit(target: User, currency: str, amount: Decimal | None, actor: User
                  ) -> PendingChange | None:
    """Lowering applies now; raising (no limit counts as unlimited) waits for a second admin."""
    if amount is not None:
        amount = amount.quantize(Decimal("0.01"))
    if not limits.is_raise(target, currency, amount):
        limits.apply(target, currency, amount, actor)
        return None
    return request_change(ChangeKind.RAISE_LIMIT, target, {
        "currency": currency, "max_amount": None if amount is None else str(amount)}, actor)


def request_2fa_reset(target: User, actor: User) -> PendingChange:
    return request_change(ChangeKind.RESET_2FA, target, {}, actor)


def request_new_user(username: str, roles: Iterable[Role], actor: User,
                     display_name: str | None = None) -> tuple[User, PendingChange]:
    """The account exists at once (no role, no password: nobody can sign in with it); its
    roles and a set-up link come when a second admin confirms."""
    wanted = set(roles)
    user = services.create_user(username, "", (), actor=actor, display_name=display_name,
                                pending_roles=wanted)
    change = request_change(ChangeKind.CREATE_USER, user,
                            {"roles": sorted(r.value for r in wanted)}, actor)
    return user, change


def request_password_reset(target: User, actor: User) -> PendingChange:
    return request_change(ChangeKind.RESET_PASSWORD, target, {}, actor)


def request_enable(target: User, actor: User) -> PendingChange:
    if not target.disabled:
        raise services.AccountError(str(_l("This account is not disabled.")))
    return request_change(ChangeKind.ENABLE_USER, target, {}, actor)


ACCOUNT_CHANGE_OF = {
    ChangeKind.GRANT_ROLE: AccountChangeKind.ROLES_CHANGED,
    ChangeKind.RESET_2FA: AccountChangeKind.SECOND_FACTOR_RESET,
    ChangeKind.CREATE_USER: AccountChangeKind.CREATED,
    ChangeKind.RESET_PASSWORD: AccountChangeKind.PASSWORD_RESET,
    ChangeKind.ENABLE_USER: AccountChangeKind.ENABLED,
}
# Kinds after which the user chooses a new password on a one-time set-up link.
NEEDS_SETUP_LINK = frozenset({ChangeKind.CREATE_USER, ChangeKind.RESET_PASSWORD,
                              ChangeKind.ENABLE_USER})


def _set_roles(change: PendingChange, roles: set[Role], actor: User, now: datetime) -> None:
    services.set_roles(change.target, roles, actor=actor)
    if roles & PRIVILEGED_ROLES:
        change.target.promoted_at = now
        change.target.promoted_by_id = change.requested_by_id
        change.target.promotion_confirmed_by_id = actor.id


def _apply(change: PendingChange, actor: User, now: datetime) -> str | None:
    """Apply the change; returns the raw set-up link token when the kind yields one."""
    target = change.target
    kind = ChangeKind(change.kind)
    if kind == ChangeKind.GRANT_ROLE:
        roles = (target.roles | {Role(r) for r in change.payload["grant"]}) - {
            Role(r) for r in change.payload.get("remove", [])}
        _set_roles(change, roles, actor, now)
    elif kind == ChangeKind.CREATE_USER:
        _set_roles(change, {Role(r) for r in change.payload["roles"]}, actor, now)
    elif kind == ChangeKind.ENABLE_USER:
        services.enable_user(target, actor=actor)
    elif kind == ChangeKind.RESET_PASSWORD:
        record("password_reset", actor=actor, target=user_target(target),
               details={"change": change.id})
    elif change.kind == ChangeKind.RAISE_LIMIT:
        amount = change.payload["max_amount"]
        limits.apply(target, change.payload["currency"],
                     None if amount is None else Decimal(amount), actor,
                     set_by_id=change.requested_by_id)
    elif change.kind == ChangeKind.RESET_2FA:
        twofactor.remove(target)
        ended = end_all(target, "2fa_reset")
        record("two_factor_reset", actor=actor, target=user_target(target),
               details={"change": change.id, "sessions_ended": ended})
    if kind in ACCOUNT_CHANGE_OF:
        note(target, ACCOUNT_CHANGE_OF[kind], [change.requested_by_id, actor.id], at=now)
    if kind in NEEDS_SETUP_LINK:
        return setup_links.issue(target, kind.value, actor, now)
    return None


def _refuse(change: PendingChange, actor: User, reason: str) -> GuardRefused:
    _audit("change_confirm_refused", change, actor, reason=reason)
    return GuardRefused(reason)


def confirm(change: PendingChange, actor: User, now: datetime | None = None) -> str | None:
    """Apply `change` as the second admin; the requester and the target are refused. Returns
    the set-up link token to show this admin once, when the change yields one."""
    now = now or utcnow()
    if change.requested_by_id == actor.id:
        raise _refuse(change, actor, "own_request")
    if change.target_user_id == actor.id:
        raise _refuse(change, actor, "own_account")
    if change.status != ChangeStatus.PENDING.value:
        raise _refuse(change, actor, "not_pending")
    if change.expires_at <= now:
        expire(change)
        raise GuardRefused("expired")
    won = db.session.execute(
        update(PendingChange)
        .where(PendingChange.id == change.id,
               PendingChange.status == ChangeStatus.PENDING.value,
               PendingChange.requested_by_id != actor.id,
               PendingChange.expires_at > now)
        .values(status=ChangeStatus.CONFIRMED.value, decided_by_id=actor.id, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        raise _refuse(change, actor, "not_pending")
    db.session.refresh(change)
    token = _apply(change, actor, now)
    _audit("change_confirmed", change, actor)
    return token


def cancel(change: PendingChange, actor: User) -> None:
    """Any admin (the requester too) may withdraw a pending request."""
    won = db.session.execute(
        update(PendingChange)
        .where(PendingChange.id == change.id, PendingChange.status == ChangeStatus.PENDING.value)
        .values(status=ChangeStatus.CANCELLED.value, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        raise GuardRefused("not_pending")
    db.session.refresh(change)
    _audit("change_cancelled", change, actor)


def expire(change: PendingChange) -> None:
    change.status = ChangeStatus.EXPIRED.value
    _audit("change_expired", change, None)


def expire_stale(now: datetime | None = None) -> int:
    """Mark requests older than 24 hours expired (done whenever the list is read)."""
    now = now or utcnow()
    stale = db.session.scalars(select(PendingChange).where(
        PendingChange.status == ChangeStatus.PENDING.value,
        PendingChange.expires_at <= now)).all()
    for change in stale:
        expire(change)
    return len(stale)


def pending_for(user: User | None = None) -> list[PendingChange]:
    query = select(PendingChange).where(PendingChange.status == ChangeStatus.PENDING.value)
    if user is not None:
        query = query.where(PendingChange.target_user_id == user.id)
    return list(db.session.scalars(query.order_by(PendingChange.requested_at)))
