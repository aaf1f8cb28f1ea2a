"""Helpers for the two-factor tests: codes at a chosen moment, reading users back, audit."""

from __future__ import annotations

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select

from webapp.auth.twofactor import secret_of
from webapp.extensions import db
from webapp.models import AuditEvent, User

T0 = 1_700_000_000.0  # a frozen "now": 2023-11-14 22:13:20 UTC, on a 30-second boundary + 20 s


def code_at(user: User, moment: float) -> str:
    secret = secret_of(user)
    assert secret is not None
    return pyotp.TOTP(secret).at(moment)


def code_now(user: User) -> str:
    secret = secret_of(user)
    assert secret is not None
    return pyotp.TOTP(secret).now()


def fresh(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def password_step(client: FlaskClient, username: str) -> None:
    from tests.conftest import TEST_PASSWORD

    response = client.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.location == "/login/verify"
