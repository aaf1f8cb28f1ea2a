"""Language (profile, else Accept-Language before sign-in), time zone, CSRF on every form."""

from __future__ import annotations

from collections.abc import Callable

from accounts_helpers import audit_rows, is_signed_in, sign_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Role, User


def html_lang(response) -> str:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    start = text.index('<html lang="') + len('<html lang="')
    return text[start:text.index('"', start)]


def test_accept_language_decides_before_sign_in(client: FlaskClient) -> None:
    assert html_lang(client.get("/login", headers={"Accept-Language": "uk,ru;q=0.8"})) == "uk"
    assert html_lang(client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
                     ) == "ru"
    assert html_lang(client.get("/login", headers={"Accept-Language": "uk-UA"})) == "uk"
    assert html_lang(client.get("/login", headers={"Accept-Language": "de"})) == "en"


def test_profile_language_wins_after_sign_in(client: FlaskClient,
                                             make_user: Callable[..., User]) -> None:
    user = make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    response = client.post("/profile/preferences",
                           data={"prefs-language": "uk", "prefs-timezone": "Europe/Kyiv"})
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(User, user.id)
    assert saved is not None and (saved.language, saved.timezone) == ("uk", "Europe/Kyiv")
    assert html_lang(client.get("/profile", headers={"Accept-Language": "ru"})) == "uk"
    [row] = audit_rows("profile_updated")
    assert row.details == {"language": "uk", "timezone": "Europe/Kyiv"}


def test_profile_refuses_unknown_language_and_time_zone(client: FlaskClient,
                                                       make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    for data in ({"prefs-language": "de", "prefs-timezone": "UTC"},
                 {"prefs-language": "en", "prefs-timezone": "Mars/Olympus"},
                 {"prefs-language": "en", "prefs-timezone": "../../etc/passwd"}):
        assert client.post("/profile/preferences", data=data).status_code == 422
    assert audit_rows("profile_updated") == []


def test_password_change_needs_current_password_and_policy(
        client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    cases = [
        ("wrong-current-password", "a-fine-new-passphrase", "a-fine-new-passphrase"),
        ("correct-horse-battery-staple", "short", "short"),
        ("correct-horse-battery-staple", "a-fine-new-passphrase", "a-different-passphrase"),
        ("correct-horse-battery-staple", "olga-is-my-name-ok", "olga-is-my-name-ok"),
    ]
    for current, new, confirm in cases:
        response = client.post("/profile/password", data={
            "pw-current_password": current, "pw-new_password": new, "pw-confirm": confirm})
        assert response.status_code == 422, (current, new)
    assert audit_rows("password_changed") == []


def test_login_form_without_csrf_token_is_refused(client: FlaskClient,
                                                  make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    response = sign_in(client, "olga", csrf=False)
    assert response.status_code == 400
    assert not is_signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_admin_form_without_csrf_token_is_refused(admin_client: FlaskClient) -> None:
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = admin_client.post("/admin/users/new", csrf=False, data={
        "username": "bob", "roles": ["manager"], "password": "a-fine-new-passphrase"})
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.username == "bob")) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_logout_without_csrf_token_is_refused(client: FlaskClient,
                                              make_user: Callable[..., User]) -> None:
    make_user("olga", Role.OPERATOR)
    sign_in(client, "olga")
    assert client.post("/logout", csrf=False).status_code == 400
    assert is_signed_in(client)


def test_error_pages_are_friendly(app: Flask, operator_client: FlaskClient) -> None:
    forbidden = operator_client.get("/admin/users")
    assert forbidden.status_code == 403 and b"You may not open this page" in forbidden.data
    missing = operator_client.get("/no-such-page")
    assert missing.status_code == 404 and b"Page not found" in missing.data
