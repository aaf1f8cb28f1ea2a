"""`flask users create | set-password | disable | enable | list`."""

from __future__ import annotations

from collections.abc import Callable

from accounts_helpers import NEW_PASSWORD, audit_rows
from flask import Flask
from sqlalchemy import select

from webapp.auth.passwords import verify_password
from webapp.auth.sessions import open_session
from webapp.extensions import db
from webapp.models import Role, User, UserSession


def run(app: Flask, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["users", *args], input=stdin)


def user(name: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def test_create_reads_the_password_from_stdin(app: Flask) -> None:
    result = run(app, "create", "Bob", "--role", "manager", "--role", "operator",
                 "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    bob = user("bob")
    assert bob is not None and bob.roles == {Role.MANAGER, Role.OPERATOR}
    assert verify_password(bob.password_hash, NEW_PASSWORD)
    assert NEW_PASSWORD not in result.output
    [row] = audit_rows("user_created")
    assert row.actor_id is None and row.details == {"roles": ["manager", "operator"]}


def test_create_refuses_weak_password_duplicates_and_unknown_roles(app: Flask) -> None:
    weak = run(app, "create", "bob", "--role", "manager", "--password-stdin", stdin="short\n")
    assert weak.exit_code != 0 and "12 characters" in weak.output
    assert user("bob") is None
    assert run(app, "create", "bob", "--role", "manager", "--password-stdin",
               stdin=NEW_PASSWORD + "\n").exit_code == 0
    again = run(app, "create", "bob", "--role", "auditor", "--password-stdin",
                stdin=NEW_PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output
    bad_role = run(app, "create", "eve", "--role", "king", "--password-stdin",
                   stdin=NEW_PASSWORD + "\n")
    assert bad_role.exit_code != 0 and user("eve") is None
    no_role = run(app, "create", "eve", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert no_role.exit_code != 0 and user("eve") is None
    empty = run(app, "create", "eve", "--role", "auditor", "--password-stdin", stdin="")
    assert empty.exit_code != 0 and user("eve") is None


def test_set_password_ends_every_session(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    row = open_session(olga, "192.0.2.1", "test")
    db.session.commit()
    result = run(app, "set-password", "olga", "--password-stdin", stdin=NEW_PASSWORD + "\r\n")
    assert result.exit_code == 0, result.output
    changed = user("olga")
    assert changed is not None and verify_password(changed.password_hash, NEW_PASSWORD)
    assert db.session.get(UserSession, row.id).ended_at is not None
    assert [r.action for r in audit_rows("password_reset")] == ["password_reset"]
    assert run(app, "set-password", "ghost", "--password-stdin",
               stdin=NEW_PASSWORD + "\n").exit_code != 0


def test_disable_enable_and_last_admin(app: Flask, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    make_user("ada", Role.ADMIN)
    assert run(app, "disable", "olga").exit_code == 0
    assert user("olga").disabled  # type: ignore[union-attr]
    refused = run(app, "disable", "ada")
    assert refused.exit_code != 0 and "last active admin" in refused.output
    assert not user("ada").disabled  # type: ignore[union-attr]
    assert run(app, "enable", "olga").exit_code == 0
    assert not user("olga").disabled  # type: ignore[union-attr]
    assert run(app, "disable", "ghost").exit_code != 0


def test_list(app: Flask, make_user: Callable[..., User]) -> None:
    assert "No users." in run(app, "list").output
    make_user("olga", Role.OPERATOR, Role.MANAGER)
    make_user("aud", Role.AUDITOR, disabled=True)
    lines = run(app, "list").output.splitlines()
    assert lines == ["aud   disabled  auditor", "olga  active    manager,operator"]
