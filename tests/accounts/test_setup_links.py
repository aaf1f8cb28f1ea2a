"""Two-admin account actions and their one-time set-up links: a fresh step-up to ask, a second
admin to confirm, a link shown once to the confirming admin, stored hashed, good for 24 hours
and one use, on which the user (never an admin) chooses the password; a manager enrols their
authenticator right after signing in with it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from accounts_helpers import NEW_PASSWORD, audit_rows, sign_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_client
from tests.setup_link_steps import choose_password, confirm_all, pending_ids
from webapp.auth.setup_links import issue
from webapp.auth.stepup import STEP_UP_KEY
from webapp.extensions import db
from webapp.models import Role, SetupLink, User
from webapp.models.base import utcnow


def user_named(name: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def stale_step_up(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session[STEP_UP_KEY] = time.time() - 3600


@pytest.mark.parametrize("action", ["create", "password", "enable"])
def test_each_account_action_needs_a_fresh_step_up(
        action: str, admin_client: FlaskClient, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR, disabled=action == "enable")
    stale_step_up(admin_client)
    url, data = {
        "create": ("/admin/users/new", {"username": "bob", "roles": ["operator"]}),
        "password": (f"/admin/users/{olga.id}/password", {}),
        "enable": (f"/admin/users/{olga.id}/enable", {}),
    }[action]
    response = admin_client.post(url, data=data)
    assert response.status_code == 303 and response.location.startswith("/account/step-up")
    assert pending_ids() == []
    assert db.session.scalar(select(User).where(User.username == "bob")) is None


def test_the_link_is_shown_once_to_the_confirming_admin_and_stored_hashed(
        admin_client: FlaskClient, login_as: Callable[..., FlaskClient], app: Flask) -> None:
    admin_client.post("/admin/users/new", data={"username": "bob", "roles": ["operator"]})
    # The asking admin's pages never show a link.
    assert b"/account/setup/" not in admin_client.get("/admin/users").data
    root = login_as(Role.ADMIN, username="root")
    [link] = confirm_all(root)
    token = link.rsplit("/", 1)[1]
    [row] = db.session.scalars(select(SetupLink)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert token not in root.get("/admin/pending").get_data(as_text=True)
    bob = user_named("bob")
    assert b"/account/setup/" not in root.get(f"/admin/users/{bob.id}").data
    assert [r.actor_id for r in audit_rows("setup_link_issued")] == [user_named("root").id]


def test_the_link_works_once(admin_client: FlaskClient, login_as: Callable[..., FlaskClient],
                             app: Flask) -> None:
    admin_client.post("/admin/users/new", data={"username": "bob", "roles": ["operator"]})
    [link] = confirm_all(login_as(Role.ADMIN, username="root"))
    choose_password(csrf_client(app), link, NEW_PASSWORD)
    again = csrf_client(app)
    assert again.get(link).status_code == 404
    other = "another-long-passphrase-77"
    assert again.post(link, data={"password": other, "confirm": other}).status_code == 404
    assert sign_in(csrf_client(app), "bob", other).status_code == 200
    assert sign_in(csrf_client(app), "bob", NEW_PASSWORD).status_code == 303


def test_the_link_expires_after_24_hours(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    root = make_user("root", Role.ADMIN)
    token = issue(olga, "reset_password", root, now=utcnow() - timedelta(hours=24, seconds=1))
    db.session.commit()
    browser = csrf_client(app)
    assert browser.get(f"/account/setup/{token}").status_code == 404
    fresh_token = issue(olga, "reset_password", root, now=utcnow() - timedelta(hours=23))
    db.session.commit()
    assert browser.get(f"/account/setup/{fresh_token}").status_code == 200


def test_a_newer_link_replaces_the_older(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    root = make_user("root", Role.ADMIN)
    first = issue(olga, "reset_password", root)
    second = issue(olga, "reset_password", root)
    db.session.commit()
    browser = csrf_client(app)
    assert browser.get(f"/account/setup/{first}").status_code == 404
    assert browser.get(f"/account/setup/{second}").status_code == 200
    assert browser.get("/account/setup/made-up-token").status_code == 404


def test_a_new_manager_chooses_a_password_then_enrols_the_authenticator_on_the_link(
        admin_client: FlaskClient, login_as: Callable[..., FlaskClient], app: Flask) -> None:
    admin_client.post("/admin/users/new", data={"username": "mia", "roles": ["manager"]})
    [link] = confirm_all(login_as(Role.ADMIN, username="root"))
    assert user_named("mia").roles == {Role.MANAGER}
    browser = csrf_client(app)
    assert choose_password(browser, link, NEW_PASSWORD).endswith("/account/2fa/setup")
    page = browser.get("/approvals/", follow_redirects=False)
    assert page.status_code in (302, 303) and page.location.endswith("/account/2fa/setup")
    setup = browser.get("/account/2fa/setup").get_data(as_text=True)
    secret = setup.split("<code>")[1].split("</code>")[0]
    enrolled = browser.post("/account/2fa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert enrolled.status_code == 200 and user_named("mia").totp_enabled
    assert browser.get("/approvals/").status_code == 200


def test_nobody_confirms_their_own_account_request(
        admin_client: FlaskClient, make_user: Callable[..., User]) -> None:
    admin_client.post("/admin/users/new", data={"username": "bob", "roles": ["operator"]})
    [change_id] = pending_ids()
    response = admin_client.post(f"/admin/pending/{change_id}/confirm")
    assert response.status_code == 303
    assert pending_ids() == [change_id] and user_named("bob").roles == set()
    assert b"another admin must" in admin_client.get(response.location).data
