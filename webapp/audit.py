"""The audit trail: one helper to write a row, and guards that keep the table append-only.

`record()` adds the row to the current transaction, so it is written by the same commit as the
change it describes (and vanishes with it on rollback). The caller commits.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import AuditEvent, User

# Labels for the actions this app writes; other features may add their own actions freely.
ACTION_LABELS = {
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "login_locked": _l("Sign-in refused (locked)"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "roles_changed": _l("Roles changed"),
    "user_created": _l("User created"),
    "user_disabled": _l("User disabled"),
    "user_enabled": _l("User enabled"),
    "profile_updated": _l("Profile updated"),
    "email_change_requested": _l("E-mail change asked"),
    "email_confirmed": _l("E-mail address confirmed"),
    "email_removed": _l("E-mail address removed"),
    "email_set_by_admin": _l("E-mail address set by an admin"),
}


class AuditLogIsAppendOnly(RuntimeError):
    """Raised on any attempt to change or delete an audit row through the ORM."""


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _current_actor() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]
    return None


def record(
    action: str,
    *,
    actor: User | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row: `actor` defaults to the signed-in user, the IP comes from the request."""
    ip = request.remote_addr if has_request_context() else None
    row = AuditEvent(
        action=action[:64],
        actor=actor if actor is not None else _current_actor(),
        target=target[:128] if target else None,
        ip=ip[:64] if ip else None,
        details=details or None,
    )
    db.session.add(row)
    return row


def user_target(user: User) -> str:
    """How a user is named as an audit target."""
    return f"user:{user.id} {user.username}"


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Any, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper: Mapper[Any], connection: Any, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """`update(AuditEvent)` / `delete(AuditEvent)` statements skip the per-row hooks above."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
