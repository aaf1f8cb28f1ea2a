"""Administering accounts and moving money are separate duties: admin is never combined with
operator or manager. New grants are refused everywhere; accounts that hold both from before are
named by `flask check` and cannot create or approve payouts until an admin pair decides."""

from __future__ import annotations

from collections.abc import Callable

from accounts_helpers import NEW_PASSWORD, audit_rows
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_client, login
from tests.setup_link_steps import confirm_all, pending_ids
from webapp.approvals.fingerprint import fingerprint_of
from webapp.checks import check_role_conflicts
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User


def roles_of(name: str) -> set[Role]:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user.roles


def test_the_cli_refuses_admin_with_a_money_role(app: Flask) -> None:
    for other in ("manager", "operator"):
        result = app.test_cli_runner().invoke(args=[
            "users", "create", "eve", "--role", "admin", "--role", other, "--password-stdin"],
            input=NEW_PASSWORD + "\n")
        assert result.exit_code != 0 and "separate duties" in result.output
        assert db.session.scalar(select(User).where(User.username == "eve")) is None


def test_the_admin_pages_refuse_the_grant(admin_client: FlaskClient,
                                          make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    response = admin_client.post(f"/admin/users/{max_.id}/roles",
                                 data={"roles-roles": ["manager", "admin"]})
    assert response.status_code == 303
    assert b"separate duties" in admin_client.get(response.location).data
    assert roles_of("max") == {Role.MANAGER} and pending_ids() == []
    [refusal] = audit_rows("account_action_refused")
    assert refusal.details["action"] == "set_roles"
    ada = db.session.scalar(select(User).where(User.username == "ada"))
    assert ada is not None
    admin_client.post(f"/admin/users/{ada.id}/roles", data={"roles-roles": ["admin", "operator"]})
    assert roles_of("ada") == {Role.ADMIN} and pending_ids() == []


def test_flask_check_names_old_accounts_that_hold_both(app: Flask,
                                                      make_user: Callable[..., User]) -> None:
    assert check_role_conflicts().ok
    make_user("eve", Role.ADMIN, Role.MANAGER)  # as a database from before the rule holds it
    found = check_role_conflicts()
    assert not found.ok and found.label == "FAIL" and "eve" in found.message
    assert roles_of("eve") == {Role.ADMIN, Role.MANAGER}  # reported, never dropped silently


def test_an_old_combined_account_cannot_approve_or_create(
        app: Flask, make_user: Callable[..., User], make_payout: Callable[..., Payout],
        login_as: Callable[..., FlaskClient], sandbox: object) -> None:
    olga = make_user("olga", Role.OPERATOR)
    payout = make_payout(olga)
    make_user("eve", Role.ADMIN, Role.MANAGER, Role.OPERATOR)
    eve = csrf_client(app)
    assert login(eve, "eve").status_code == 303
    assert eve.get("/payouts/new").status_code == 403
    assert eve.get("/approvals/").status_code == 403
    refused = eve.post(f"/approvals/{payout.id}/approve",
                       data={"fingerprint": fingerprint_of(payout)})
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.AWAITING_APPROVAL
    assert sum(sandbox.state.counters["process_requests"].values()) == 0
    assert eve.get("/admin/users").status_code == 200  # still an admin: can ask for the fix
    eve_id = db.session.scalar(select(User.id).where(User.username == "eve"))
    page = eve.get(f"/admin/users/{eve_id}")
    assert b"cannot create or approve payouts" in page.data


def test_an_admin_pair_decides_which_duty_an_old_account_keeps(
        admin_client: FlaskClient, make_user: Callable[..., User],
        login_as: Callable[..., FlaskClient]) -> None:
    eve = make_user("eve", Role.ADMIN, Role.MANAGER)
    admin_client.post(f"/admin/users/{eve.id}/roles", data={"roles-roles": ["manager"]})
    assert roles_of("eve") == {Role.ADMIN, Role.MANAGER}  # waits for a second admin
    assert len(pending_ids()) == 1
    confirm_all(login_as(Role.ADMIN, username="root"))
    assert roles_of("eve") == {Role.MANAGER}
