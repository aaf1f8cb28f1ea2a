"""Two admins: manager/admin grants, limit raises and second-factor resets wait for a second
admin; nobody confirms their own request (not even with a crafted POST); requests expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.twofactor.helpers import actions, fresh
from webapp.admin import guarded
from webapp.extensions import db
from webapp.models import ApprovalLimit, AuditEvent, ChangeStatus, PendingChange, Role, User
from webapp.models.base import utcnow


@pytest.fixture
def root_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    """The second admin."""
    return login_as(Role.ADMIN, username="root")


def by_name(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def only_change() -> PendingChange:
    db.session.expire_all()
    [change] = db.session.scalars(select(PendingChange)).all()
    return change


def limit_of(user: User, currency: str) -> Decimal | None:
    db.session.expire_all()
    return db.session.scalar(select(ApprovalLimit.max_amount).where(
        ApprovalLimit.user_id == user.id, ApprovalLimit.currency == currency))


def test_granting_manager_needs_a_second_admin(admin_client: FlaskClient,
                                               root_client: FlaskClient,
                                               make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    admin_client.post(f"/admin/users/{olga.id}/roles",
                      data={"roles-roles": ["operator", "manager"]})
    change = only_change()
    assert (change.kind, change.status, change.payload) == (
        "grant_role", "pending", {"grant": ["manager"], "remove": []})
    assert fresh(olga.id).roles == {Role.OPERATOR}
    assert b"olga" in root_client.get("/admin/pending").data
    assert b"olga" in admin_client.get("/admin/pending").data  # visible to every admin

    # The requester crafts the confirming POST by hand: refused on the server.
    own = admin_client.post(f"/admin/pending/{change.id}/confirm")
    assert own.status_code == 303
    assert b"cannot confirm your own request" in admin_client.get("/admin/pending").data
    assert only_change().status == "pending" and fresh(olga.id).roles == {Role.OPERATOR}
    refusal = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "change_confirm_refused"))
    assert refusal is not None and refusal.details["reason"] == "own_request"

    assert root_client.post(f"/admin/pending/{change.id}/confirm").status_code == 303
    olga = fresh(olga.id)
    assert olga.roles == {Role.OPERATOR, Role.MANAGER}
    assert (olga.promoted_by_id, olga.promotion_confirmed_by_id) == (
        by_name("ada").id, by_name("root").id)
    decided = only_change()
    assert (decided.status, decided.decided_by_id) == ("confirmed", by_name("root").id)
    assert root_client.post(f"/admin/pending/{change.id}/confirm").status_code == 303
    assert actions().count("roles_changed") == 1  # a second confirm does nothing
    assert {"change_requested", "change_confirmed"} <= set(actions())


def test_nobody_confirms_a_change_to_their_own_account(
        admin_client: FlaskClient, root_client: FlaskClient) -> None:
    root = by_name("root")
    limit_row = ApprovalLimit(user_id=root.id, currency="USD", max_amount=Decimal("5"))
    db.session.add(limit_row)
    db.session.commit()
    admin_client.post(f"/admin/users/{root.id}/limits",
                      data={"limit-currency": "USD", "limit-max_amount": "500"})
    change = only_change()
    root_client.post(f"/admin/pending/{change.id}/confirm")
    assert only_change().status == "pending" and limit_of(root, "USD") == Decimal("5")


def test_service_refuses_the_requester_too(admin_client: FlaskClient,
                                           make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    ada = by_name("ada")
    change = guarded.request_roles(olga, {Role.ADMIN}, ada)
    assert change is not None
    with pytest.raises(guarded.GuardRefused) as refused:
        guarded.confirm(change, ada)
    assert refused.value.reason == "own_request"


def test_an_expired_request_cannot_be_confirmed(admin_client: FlaskClient,
                                                root_client: FlaskClient,
                                                make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["admin"]})
    change = only_change()
    assert change.payload == {"grant": ["admin"], "remove": ["operator"]}
    change.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    root_client.post(f"/admin/pending/{change.id}/confirm")
    assert only_change().status == "expired" and fresh(olga.id).roles == {Role.OPERATOR}
    assert "change_expired" in actions()


def test_the_list_expires_requests_after_24_hours(admin_client: FlaskClient,
                                                  root_client: FlaskClient,
                                                  make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["manager"]})
    change = only_change()
    assert abs((change.expires_at.replace(tzinfo=None) - change.requested_at.replace(tzinfo=None))
               - timedelta(hours=24)) < timedelta(seconds=1)
    change.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = root_client.get("/admin/pending")
    assert b"Nothing is waiting." in page.data and only_change().status == "expired"


def test_cancel(admin_client: FlaskClient, root_client: FlaskClient,
                make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["manager"]})
    change = only_change()
    assert admin_client.post(f"/admin/pending/{change.id}/cancel").status_code == 303
    assert only_change().status == ChangeStatus.CANCELLED
    root_client.post(f"/admin/pending/{change.id}/confirm")
    assert fresh(olga.id).roles == {Role.OPERATOR}


def test_creating_a_manager_waits_for_a_second_admin(admin_client: FlaskClient,
                                                     root_client: FlaskClient) -> None:
    response = admin_client.post("/admin/users/new", data={
        "username": "bob", "roles": ["manager"], "password": "a-brand-new-passphrase-42"})
    assert response.status_code == 303
    bob = by_name("bob")
    assert bob.roles == set()
    root_client.post(f"/admin/pending/{only_change().id}/confirm")
    assert fresh(bob.id).roles == {Role.MANAGER}


def test_limits_lowering_is_immediate_raising_waits(admin_client: FlaskClient,
                                                    root_client: FlaskClient,
                                                    make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    url = f"/admin/users/{max_.id}/limits"
    # No limit means any amount, so setting one restricts: at once.
    admin_client.post(url, data={"limit-currency": "eur", "limit-max_amount": "1000"})
    assert limit_of(max_, "EUR") == Decimal("1000.00")
    admin_client.post(url, data={"limit-currency": "EUR", "limit-max_amount": "500"})
    assert limit_of(max_, "EUR") == Decimal("500.00")
    admin_client.post(url, data={"limit-currency": "EUR", "limit-max_amount": "5000"})
    assert limit_of(max_, "EUR") == Decimal("500.00")
    change = only_change()
    assert change.payload == {"currency": "EUR", "max_amount": "5000.00"}
    root_client.post(f"/admin/pending/{change.id}/confirm")
    assert limit_of(max_, "EUR") == Decimal("5000.00")
    # Removing a limit is the biggest raise of all.
    admin_client.post(url, data={"limit-currency": "EUR", "limit-max_amount": ""})
    assert limit_of(max_, "EUR") == Decimal("5000.00")
    bad = admin_client.post(url, data={"limit-currency": "EURO", "limit-max_amount": "-1"})
    assert bad.status_code == 422
    assert actions().count("approval_limit_changed") == 3


def test_resetting_a_second_factor_waits_and_then_ends_sessions(
        admin_client: FlaskClient, root_client: FlaskClient,
        client_for: Callable[[str], FlaskClient], make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    max_browser = client_for("max")
    admin_client.post(f"/admin/users/{max_.id}/2fa/reset")
    assert fresh(max_.id).totp_enabled
    assert max_browser.get("/approvals/").status_code == 200
    root_client.post(f"/admin/pending/{only_change().id}/confirm")
    assert not fresh(max_.id).totp_enabled
    assert max_browser.get("/approvals/").status_code == 302  # signed out
    assert "two_factor_reset" in actions()
    again = client_for("max")  # password only now; must enrol again before anything
    assert again.get("/approvals/").location == "/account/2fa/setup"
