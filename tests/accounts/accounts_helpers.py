"""Small helpers shared by the accounts tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_client
from webapp.extensions import db
from webapp.models import AuditEvent

# The password tests/conftest.py gives every user made by `make_user`.
TEST_PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "a-brand-new-passphrase-42"
LOCK_MESSAGE = b"Too many attempts. Try again in 15 minutes."
WRONG_MESSAGE = b"Wrong username or password."


def sign_in(client: FlaskClient, username: str, password: str = TEST_PASSWORD,
            **kwargs: Any) -> Any:
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(client: FlaskClient, cookie: str) -> FlaskClient:
    """A second browser carrying a copy of someone's session cookie."""
    other = csrf_client(client.application)
    other.set_cookie("session", cookie)
    return other


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/profile")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in (response.location or ""), response
    return False


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def audit_rows(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ))
