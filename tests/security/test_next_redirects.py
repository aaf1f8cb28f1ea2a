"""`next=` after sign-in, second factor and step-up: only a path on this site, never a 500.

Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so each hostile
target below would leave for another site if echoed in `Location`."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD, csrf_client, current_code
from webapp.auth.stepup import STEP_UP_KEY
from webapp.models import Role, User

HOSTILE = [
    "/\t/evil.example", "/\n/evil.example", "/\r\n/x", "/%09/evil.example", "/%0A/x",
    "/%0d%0a/x", "//evil.example", "/\\evil.example", "\\\\evil.example", "/%5Cevil.example",
    "/%2F/evil.example", "/%252F%252Fevil.example", "https://evil.example/",
    "http:/evil.example", "javascript:alert(1)", " /\t/evil.example", "/ /evil.example",
    "evil.example", "/%00/x", "%2F%2Fevil.example", "/\u3000/evil.example", "",
]
SAME_SITE = ["/payouts/?status=created", "/approvals/", "/payouts/7"]


def _browser_reading(location: str) -> str:
    """What a browser makes of a Location value: tabs/newlines dropped, `\\` read as `/`."""
    return "".join(ch for ch in location if ch not in "\t\n\r").replace("\\", "/")


def assert_stays_here(location: str) -> None:
    seen = _browser_reading(location)
    assert seen.startswith("/") and not seen.startswith("//"), location


def _fresh(app: Flask) -> FlaskClient:
    return csrf_client(app)


@pytest.mark.parametrize("target", HOSTILE + SAME_SITE)
def test_next_after_password_sign_in(app: Flask, make_user: Callable[..., User],
                                     target: str) -> None:
    make_user("olga", Role.OPERATOR)
    client = _fresh(app)
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"username": "olga", "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert_stays_here(response.location)
    expected = target if target in SAME_SITE else "/"
    assert response.location == expected


@pytest.mark.parametrize("target", HOSTILE + SAME_SITE)
def test_next_after_second_factor(app: Flask, make_user: Callable[..., User],
                                  target: str) -> None:
    make_user("max", Role.MANAGER)
    client = _fresh(app)
    password = client.post(f"/login?next={quote(target, safe='')}",
                           data={"username": "max", "password": TEST_PASSWORD})
    assert password.status_code == 303 and password.location == "/login/verify"
    response = client.post("/login/verify", data={"code": current_code("max")})
    assert response.status_code == 303
    assert_stays_here(response.location)
    assert response.location == (target if target in SAME_SITE else "/")


@pytest.mark.parametrize("target", HOSTILE + SAME_SITE)
def test_next_after_step_up(app: Flask, make_user: Callable[..., User],
                            client_for: Callable[[str], FlaskClient], target: str) -> None:
    make_user("max", Role.MANAGER)
    client = client_for("max")
    with client.session_transaction() as session:
        session[STEP_UP_KEY] = time.time() - 3600
    code = current_code("max")
    response = client.post(f"/account/step-up?next={quote(target, safe='')}",
                           data={"code": code})
    assert response.status_code == 303, response.data[:300]
    assert_stays_here(response.location)
    assert response.location == (target if target in SAME_SITE else "/")


@pytest.mark.parametrize("raw", ["/%09/evil.example", "/%0A/x", "/%5C%5Cevil.example"])
def test_raw_query_string_never_500(app: Flask, make_user: Callable[..., User],
                                    raw: str) -> None:
    """The reported links, sent exactly as typed (no extra quoting)."""
    make_user("olga", Role.OPERATOR)
    client = _fresh(app)
    response = client.post(f"/login?next={raw}",
                           data={"username": "olga", "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.location == "/"
