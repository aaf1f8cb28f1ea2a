"""Per-browser sessions: listed with device, IP and last seen; "sign out everywhere"; an admin
ends any user's sessions; logout ends only this browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_client, login
from tests.twofactor.helpers import actions
from webapp.auth.sessions import RENEWED_KEY, TOUCH_EVERY
from webapp.extensions import db
from webapp.models import AuditEvent, Role, User, UserSession
from webapp.models.base import utcnow


def signed_in(client: FlaskClient) -> bool:
    return client.get("/profile").status_code == 200


def browser_as(app: Flask, username: str, agent: str, ip: str) -> FlaskClient:
    client = csrf_client(app)
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": ip})
    assert login(client, username).status_code == 303
    return client


def open_rows(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))))


def test_sessions_page_lists_devices_and_signs_out_everywhere(
        app: Flask, client: FlaskClient, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    laptop = browser_as(app, "olga", "Firefox on a laptop", "198.51.100.1")
    phone = browser_as(app, "olga", "Safari on a phone", "198.51.100.2")
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Firefox on a laptop" in page and "Safari on a phone" in page
    assert "198.51.100.2" in page and page.count("this browser") == 1
    assert len(open_rows(olga)) == 2
    response = phone.post("/account/sessions/end-all")
    assert response.status_code == 303 and response.location == "/login"
    assert not signed_in(laptop) and not signed_in(phone)
    assert open_rows(olga) == []
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_ended"))
    assert row is not None and row.details == {"count": 2, "by": "self"}


def test_logout_ends_only_this_browser(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    laptop = browser_as(app, "olga", "laptop", "198.51.100.1")
    phone = browser_as(app, "olga", "phone", "198.51.100.2")
    laptop.post("/logout")
    assert not signed_in(laptop) and signed_in(phone)
    [left] = open_rows(olga)
    assert left.user_agent == "phone"


def test_admin_ends_any_users_sessions(app: Flask, admin_client: FlaskClient,
                                       make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    phone = browser_as(app, "max", "phone of max", "203.0.113.5")
    page = admin_client.get(f"/admin/users/{max_.id}").get_data(as_text=True)
    assert "phone of max" in page and "203.0.113.5" in page
    assert admin_client.post(f"/admin/users/{max_.id}/sessions/end").status_code == 303
    assert not signed_in(phone) and open_rows(max_) == []
    assert signed_in(admin_client)
    assert "sessions_ended" in actions()


def test_last_seen_is_written_at_most_once_a_minute(app: Flask,
                                                    make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    laptop = browser_as(app, "olga", "laptop", "198.51.100.1")
    [row] = open_rows(olga)
    first_seen = row.last_seen_at
    assert signed_in(laptop)
    assert open_rows(olga)[0].last_seen_at == first_seen
    row.last_seen_at = utcnow() - TOUCH_EVERY - timedelta(seconds=5)
    db.session.commit()
    assert signed_in(laptop)
    assert open_rows(olga)[0].last_seen_at.replace(tzinfo=None) > (
        utcnow() - timedelta(seconds=30)).replace(tzinfo=None)


def test_an_idle_session_is_over(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    laptop = browser_as(app, "olga", "laptop", "198.51.100.1")
    [row] = open_rows(olga)
    row.last_seen_at = utcnow() - app.permanent_session_lifetime - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(laptop)


def test_the_cookie_is_renewed_once_a_minute_not_on_every_page(
        app: Flask, make_user: Callable[..., User]) -> None:
    """The cookie is not signed again on every page (that cost each request a signature), but
    its 8 hours start again once it is a minute old, so a browser in use keeps its sign-in
    as long as the server does. The cookie's own stamp decides: a response that never
    reached the browser only moves the renewal to the next request."""
    make_user("olga", Role.OPERATOR)
    laptop = browser_as(app, "olga", "laptop", "198.51.100.1")
    laptop.get("/profile")  # the first page after sign-in may renew
    quiet = laptop.get("/profile")
    assert quiet.status_code == 200 and "Set-Cookie" not in quiet.headers
    with laptop.session_transaction() as cookie:
        cookie[RENEWED_KEY] = int(cookie[RENEWED_KEY]) - int(TOUCH_EVERY.total_seconds()) - 1
    renewed = laptop.get("/profile")
    header = renewed.headers.get("Set-Cookie", "")
    assert renewed.status_code == 200 and header.startswith("session=") and "Expires=" in header
    assert "Set-Cookie" not in laptop.get("/profile").headers
    assert signed_in(laptop)
