"""/admin/users: list, create, roles, disable/enable, password reset; self and last-admin rules."""

from __future__ import annotations

from collections.abc import Callable

from accounts_helpers import NEW_PASSWORD, audit_rows, is_signed_in, sign_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import csrf_client
from tests.setup_link_steps import choose_password, confirm_all, pending_ids
from webapp.auth.passwords import verify_password
from webapp.extensions import db
from webapp.models import Role, User


def fresh(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def by_name(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def test_list_shows_every_user(admin_client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    page = admin_client.get("/admin/users")
    assert page.status_code == 200
    assert b"olga" in page.data and b"ada" in page.data


def test_create_user(admin_client: FlaskClient, app: Flask,
                     login_as: Callable[..., FlaskClient]) -> None:
    response = admin_client.post("/admin/users/new", data={
        "username": "Bob", "display_name": "Bob B.", "roles": ["manager", "auditor"],
        "password": NEW_PASSWORD})  # a password field sent anyway is ignored
    assert response.status_code == 303
    bob = by_name("bob")
    # Nothing works before a second admin confirms: no role, no usable password.
    assert bob.roles == set() and bob.display_name == "Bob B."
    assert sign_in(csrf_client(app), "bob", NEW_PASSWORD).status_code == 200
    [link] = confirm_all(login_as(Role.ADMIN, username="root"))
    assert fresh(bob.id).roles == {Role.MANAGER, Role.AUDITOR}
    assert bob.created_by_id == by_name("ada").id
    choose_password(csrf_client(app), link, NEW_PASSWORD)
    assert sign_in(csrf_client(app), "bob", NEW_PASSWORD).status_code == 303
    assert audit_rows("user_created")[0].actor_id == by_name("ada").id


def test_create_user_refusals_write_nothing(admin_client: FlaskClient,
                                            make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    cases = [
        {"username": "bob", "roles": []},
        {"username": "bob", "roles": ["king"]},
        {"username": "bad name!", "roles": ["manager"]},
        {"username": "OLGA", "roles": ["manager"]},
        {"username": "bob", "roles": ["admin", "manager"]},
        {"username": "bob", "roles": ["admin", "operator"]},
    ]
    for data in cases:
        response = admin_client.post("/admin/users/new", data=data)
        assert response.status_code == 422, data
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert audit_rows("user_created") == []
    assert b"separate duties" in admin_client.post(
        "/admin/users/new", data={"username": "bob", "roles": ["admin", "manager"]}).data


def test_change_roles(admin_client: FlaskClient, make_user: Callable[..., User],
                      login_as: Callable[..., FlaskClient]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    response = admin_client.post(f"/admin/users/{olga.id}/roles",
                                 data={"roles-roles": ["operator", "manager"]})
    assert response.status_code == 303
    assert fresh(olga.id).roles == {Role.OPERATOR}  # the grant waits for a second admin
    confirm_all(login_as(Role.ADMIN, username="root"))
    assert fresh(olga.id).roles == {Role.OPERATOR, Role.MANAGER}
    [row] = audit_rows("roles_changed")
    assert row.details == {"from": ["operator"], "to": ["manager", "operator"]}
    assert admin_client.post(f"/admin/users/{olga.id}/roles",
                             data={"roles-roles": []}).status_code == 422
    assert fresh(olga.id).roles == {Role.OPERATOR, Role.MANAGER}


def test_last_admin_keeps_the_admin_role(admin_client: FlaskClient,
                                         make_user: Callable[..., User]) -> None:
    ada = by_name("ada")
    response = admin_client.post(f"/admin/users/{ada.id}/roles",
                                 data={"roles-roles": ["auditor"]})
    assert response.status_code == 303
    assert fresh(ada.id).roles == {Role.ADMIN}
    assert b"last active admin" in admin_client.get(response.location).data
    assert audit_rows("roles_changed") == []
    make_user("root", Role.ADMIN)
    admin_client.post(f"/admin/users/{ada.id}/roles", data={"roles-roles": ["auditor"]})
    assert fresh(ada.id).roles == {Role.AUDITOR}
    assert admin_client.get("/admin/users").status_code == 403  # no longer an admin


def test_a_disabled_admin_does_not_count(admin_client: FlaskClient,
                                         make_user: Callable[..., User]) -> None:
    make_user("root", Role.ADMIN, disabled=True)
    ada = by_name("ada")
    admin_client.post(f"/admin/users/{ada.id}/roles", data={"roles-roles": ["auditor"]})
    assert fresh(ada.id).roles == {Role.ADMIN}


def test_admin_cannot_disable_themself(admin_client: FlaskClient) -> None:
    ada = by_name("ada")
    page = admin_client.get(f"/admin/users/{ada.id}")
    assert f"/admin/users/{ada.id}/disable".encode() not in page.data
    response = admin_client.post(f"/admin/users/{ada.id}/disable")
    assert response.status_code == 303
    assert not fresh(ada.id).disabled
    assert is_signed_in(admin_client)
    assert b"cannot disable your own account" in admin_client.get(response.location).data


def test_disable_and_enable_another_user(admin_client: FlaskClient, app: Flask,
                                         make_user: Callable[..., User],
                                         login_as: Callable[..., FlaskClient]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    assert admin_client.post(f"/admin/users/{olga.id}/disable").status_code == 303
    assert fresh(olga.id).disabled
    assert sign_in(csrf_client(app), "olga").status_code == 200
    assert admin_client.post(f"/admin/users/{olga.id}/enable").status_code == 303
    assert fresh(olga.id).disabled  # enabling waits for a second admin
    [link] = confirm_all(login_as(Role.ADMIN, username="root"))
    assert not fresh(olga.id).disabled
    # The old password no longer works: the user chooses a new one on the link.
    assert sign_in(csrf_client(app), "olga").status_code == 200
    choose_password(csrf_client(app), link, NEW_PASSWORD)
    assert sign_in(csrf_client(app), "olga", NEW_PASSWORD).status_code == 303
    assert [r.action for r in audit_rows("user_disabled") + audit_rows("user_enabled")] == [
        "user_disabled", "user_enabled"]


def test_reset_password_ends_the_users_sessions(admin_client: FlaskClient, app: Flask,
                                                make_user: Callable[..., User],
                                                login_as: Callable[..., FlaskClient]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    olga_browser = csrf_client(app)
    sign_in(olga_browser, "olga")
    response = admin_client.post(f"/admin/users/{olga.id}/password")
    assert response.status_code == 303
    assert is_signed_in(olga_browser)  # nothing happens before a second admin confirms
    [link] = confirm_all(login_as(Role.ADMIN, username="root"))
    assert not is_signed_in(olga_browser)
    assert not verify_password(fresh(olga.id).password_hash, "correct-horse-battery-staple")
    assert is_signed_in(admin_client)
    [row] = audit_rows("password_reset")
    assert row.actor_id == by_name("root").id and row.target == f"user:{olga.id} olga"
    weak = csrf_client(app).post(link, data={"password": "olga", "confirm": "olga"})
    assert weak.status_code == 422
    choose_password(csrf_client(app), link, NEW_PASSWORD)
    assert verify_password(fresh(olga.id).password_hash, NEW_PASSWORD)


def test_admin_cannot_reset_own_password_here(admin_client: FlaskClient) -> None:
    ada = by_name("ada")
    response = admin_client.post(f"/admin/users/{ada.id}/password")
    assert b"profile page" in admin_client.get(response.location).data
    assert pending_ids() == [] and is_signed_in(admin_client)


def test_unknown_user_is_404(admin_client: FlaskClient) -> None:
    assert admin_client.get("/admin/users/9999").status_code == 404
    assert admin_client.post("/admin/users/9999/disable").status_code == 404

