"""Sign-in, sign-out and the per-user session token that ends every session at once."""

from __future__ import annotations

from collections.abc import Callable

from accounts_helpers import (
    NEW_PASSWORD,
    TEST_PASSWORD,
    WRONG_MESSAGE,
    audit_actions,
    audit_rows,
    is_signed_in,
    replay,
    session_cookie,
    sign_in,
)
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_client
from webapp.config import Config
from webapp.extensions import db
from webapp.models import Role, User


def test_login_redirects_and_records_who_and_where(client: FlaskClient,
                                                    make_user: Callable[..., User]) -> None:
    user = make_user("olga", Role.OPERATOR)
    response = sign_in(client, "olga", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 303
    assert response.location == "/"
    assert is_signed_in(client)
    [row] = audit_rows("login")
    assert (row.actor_id, row.ip, row.target) == (user.id, "203.0.113.7", f"user:{user.id} olga")
    assert db.session.get(User, user.id).last_login_at is not None


def test_username_is_case_insensitive(client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    assert sign_in(client, "  Olga ").status_code == 303


def test_next_is_followed_only_inside_the_site(app: Flask, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    for target, expected in [("/profile", "/profile"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/")]:
        client = csrf_client(app)
        response = client.post("/login", query_string={"next": target},
                               data={"username": "olga", "password": TEST_PASSWORD})
        assert response.location == expected


def test_wrong_password_and_unknown_user_get_the_same_answer(
        client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user("olga", Role.OPERATOR)
    wrong = sign_in(client, "olga", "not-the-password-at-all")
    unknown = sign_in(client, "nobody", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG_MESSAGE in wrong.data and WRONG_MESSAGE in unknown.data
    assert not is_signed_in(client)
    first, second = audit_rows("login_failed")
    assert (first.actor_id, first.details) == (user.id, {"reason": "bad_password"})
    # An unknown name is not stored (it is often a password typed in the wrong box).
    assert (second.actor_id, second.target, second.details) == (
        None, None, {"reason": "unknown_user"})


def test_disabled_user_cannot_sign_in(client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR, disabled=True)
    response = sign_in(client, "olga")
    assert response.status_code == 200 and WRONG_MESSAGE in response.data
    assert audit_rows("login_failed")[0].details == {"reason": "disabled"}


def test_session_cookie_flags_and_no_remember_me(client: FlaskClient,
                                                 make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    response = sign_in(client, "olga")
    cookies = response.headers.getlist("Set-Cookie")
    [session] = [c for c in cookies if c.startswith("session=")]
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Expires=" in session  # permanent, bounded by PERMANENT_SESSION_LIFETIME
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_cookies_are_secure_in_production_only() -> None:
    production = Config(APP_MODE="production", SECRET_KEY="x" * 40, DATABASE_URL="sqlite://",
                        PAYMEGA_API_URL="https://api.example", PAYMEGA_PUBLIC_KEY="pk",
                        PAYMEGA_ACCOUNT_ID="a", PAYMEGA_SECRET_KEY="sk",
                        METRICS_TOKEN="m" * 32,
                        PAYMEGA_CALLBACK_URL="https://desk.example/callbacks/paymega").resolve()
    development = Config(APP_MODE="development").resolve()
    assert production["SESSION_COOKIE_SECURE"] is True
    assert development["SESSION_COOKIE_SECURE"] is False
    for settings in (production, development):
        assert settings["SESSION_COOKIE_HTTPONLY"] is True
        assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert settings["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600


def test_logout_kills_the_old_cookie_everywhere(client: FlaskClient,
                                                 make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    stolen = session_cookie(client)
    other_device = replay(client, stolen)
    assert is_signed_in(other_device)
    response = client.post("/logout")
    assert response.status_code == 303 and response.location == "/login"
    assert not is_signed_in(client)
    assert not is_signed_in(replay(client, stolen))
    assert not is_signed_in(other_device)
    assert audit_actions() == ["login", "logout"]


def test_logout_needs_post(client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


def test_password_change_ends_other_sessions_but_not_this_one(
        app: Flask, client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    other_device = csrf_client(app)
    sign_in(other_device, "olga")
    old_cookie = session_cookie(client)
    response = client.post("/profile/password", data={
        "pw-current_password": "correct-horse-battery-staple",
        "pw-new_password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD,
    })
    assert response.status_code == 303
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert not is_signed_in(replay(client, old_cookie))
    assert sign_in(csrf_client(app), "olga", NEW_PASSWORD).status_code == 303
    assert "password_changed" in audit_actions()


def test_disabling_ends_the_users_sessions(admin_client: FlaskClient, app: Flask,
                                           make_user: Callable[..., User]) -> None:
    user = make_user("olga", Role.OPERATOR)
    victim = csrf_client(app)
    sign_in(victim, "olga")
    assert is_signed_in(victim)
    response = admin_client.post(f"/admin/users/{user.id}/disable")
    assert response.status_code == 303
    assert not is_signed_in(victim)
    assert sign_in(csrf_client(app), "olga").status_code == 200  # refused


def test_a_forged_or_garbled_session_id_is_anonymous(client: FlaskClient,
                                                     make_user: Callable[..., User]) -> None:
    user = make_user("olga", Role.OPERATOR)
    for session_id in (f"{user.id}:wrong-token", str(user.id), "x:y", f"{user.id}:"):
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        assert not is_signed_in(client), session_id
