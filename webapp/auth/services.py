"""Account rules shared by the admin pages and the `flask users` commands.

Each function changes the user, writes its audit row and leaves the commit to the caller, so a
refused change (AccountError) writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, select

from webapp.audit import record, user_target
from webapp.auth.account_changes import AccountChangeKind, note
from webapp.auth.passwords import (
    describe_problem,
    hash_password,
    password_problem,
    unusable_password_hash,
)
from webapp.auth.sessions import end_all
from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Role, User, UserRole
from webapp.models.user import roles_conflict

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class AccountError(ValueError):
    """A change the account rules refuse; `str()` is a sentence for the person who asked."""


def normalize_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str) -> User | None:
    name = normalize_username(username)
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


ROLE_CONFLICT = _l("Admin cannot be combined with operator or manager: administering "
                   "accounts and moving money are separate duties.")


def check_roles_compatible(roles: Iterable[Role]) -> None:
    """Refuse admin together with a money role, wherever roles are given."""
    if roles_conflict(set(roles)):
        raise AccountError(str(ROLE_CONFLICT))


def check_password(password: str, username: str | None = None) -> None:
    problem = password_problem(password, username)
    if problem:
        raise AccountError(describe_problem(problem))


def _active_admin_ids() -> list[int]:
    # FOR UPDATE (PostgreSQL) serialises two admins demoting or disabling each other at once.
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.disabled.is_(False))
        .with_for_update(of=User)
    )
    return list(db.session.scalars(query))


def _would_leave_no_admin(user: User) -> bool:
    return _active_admin_ids() == [user.id]


def create_user(
    username: str,
    password: str,
    roles: Iterable[Role],
    *,
    actor: User | None = None,
    display_name: str | None = None,
    pending_roles: Iterable[Role] = (),
) -> User:
    """`pending_roles`: roles asked for but given only when a second admin confirms (the
    caller files that request); the user may start with no role at all then."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError(str(_l(
            "Usernames are 2–64 characters: letters, digits, dot, dash or underscore."
        )))
    role_set = set(roles)
    pending = set(pending_roles)
    if not role_set and not pending:
        raise AccountError(str(_l("Give the user at least one role.")))
    check_roles_compatible(role_set | pending)
    if find_user(name) is not None:
        raise AccountError(str(_l("A user with this username already exists.")))
    if password:
        check_password(password, name)
    user = User(
        username=name,
        # No password: two admins asked for the account; the user sets one on a set-up link.
        password_hash=hash_password(password) if password else unusable_password_hash(),
        display_name=(display_name or "").strip() or None,
        created_by_id=actor.id if actor else None,
    )
    user.set_roles(role_set)
    db.session.add(user)
    db.session.flush()
    details = {"roles": sorted(r.value for r in role_set)}
    if pending:
        details["pending_roles"] = sorted(r.value for r in pending)
    record("user_created", actor=actor, target=user_target(user), details=details)
    note(user, AccountChangeKind.CREATED, [actor.id if actor else None])
    return user


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Replace the password and end every session of the user (the caller may re-login one)."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    end_all(user, "password")
    own = actor is not None and actor.id == user.id
    record("password_changed" if own else "password_reset", actor=actor, target=user_target(user))
    if not own:
        note(user, AccountChangeKind.PASSWORD_RESET, [actor.id if actor else None])


def set_roles(user: User, roles: Iterable[Role], *, actor: User | None = None) -> None:
    new = set(roles)
    old = user.roles
    if not new:
        raise AccountError(str(_l("Give the user at least one role.")))
    if new == old:
        return
    check_roles_compatible(new)
    if Role.ADMIN in old and Role.ADMIN not in new and not user.disabled and (
        _would_leave_no_admin(user)
    ):
        raise AccountError(str(_l("The last active admin must keep the admin role.")))
    user.set_roles(new)
    record("roles_changed", actor=actor, target=user_target(user), details={
        "from": sorted(r.value for r in old), "to": sorted(r.value for r in new),
    })
    note(user, AccountChangeKind.ROLES_CHANGED, [actor.id if actor else None])


def disable_user(user: User, *, actor: User | None = None) -> None:
    if actor is not None and actor.id == user.id:
        raise AccountError(str(_l("You cannot disable your own account.")))
    if user.disabled:
        return
    if Role.ADMIN in user.roles and _would_leave_no_admin(user):
        raise AccountError(str(_l("The last active admin cannot be disabled.")))
    user.disabled = True
    end_all(user, "disabled")
    record("user_disabled", actor=actor, target=user_target(user))


def enable_user(user: User, *, actor: User | None = None) -> None:
    if not user.disabled:
        return
    user.disabled = False
    record("user_enabled", actor=actor, target=user_target(user))
    note(user, AccountChangeKind.ENABLED, [actor.id if actor else None])
