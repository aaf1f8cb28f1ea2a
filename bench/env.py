"""The app under test, the sandbox it talks to, bench users and logged-in clients.

Apps run in production mode (what ships: secure cookies, security headers), so the test client
speaks https to localhost and sends a Referer, as Flask-WTF requires for secure requests. The
rate limiter stays on (the sign-in throttle needs its storage); the callback benchmark resets
it between chunks, see callbacks.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.auth.passwords import hash_password
from webapp.extensions import db
from webapp.models import Role, User

RESULTS = Path(__file__).resolve().parent / "results"
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnop"  # noqa: S105 (loopback bench)
PASSWORD = "bench-password-not-a-secret"  # noqa: S105 (loopback bench users)
SANDBOX_ACCOUNT = ("sandbox", "sk_test_sandbox")
BASE_URL = "https://localhost"
USERS = {  # username: roles
    "bench_operator": (Role.OPERATOR,),
    "bench_operator2": (Role.OPERATOR,),
    "bench_manager": (Role.MANAGER,),
    "bench_auditor": (Role.AUDITOR,),
}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken":\s*"([^"]+)"')


def settings_env(database_url: str, sandbox_url: str) -> dict[str, str]:
    """The environment a production deployment of the desk would have (for gunicorn)."""
    return {
        "APP_MODE": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "PAYMEGA_API_URL": sandbox_url,
        "PAYMEGA_PUBLIC_KEY": "pk_test_sandbox",
        "PAYMEGA_ACCOUNT_ID": SANDBOX_ACCOUNT[0],
        "PAYMEGA_SECRET_KEY": SANDBOX_ACCOUNT[1],
        "PAYMEGA_READ_TIMEOUT": "5",
        "PAYMEGA_CONNECT_TIMEOUT": "2",
        "METRICS_TOKEN": "bench-metrics-token-0123456789",
        # Required in production; nothing listens there (the bench polls, as before).
        "PAYMEGA_CALLBACK_URL": "https://127.0.0.1:9/callbacks/paymega",
        "LOG_LEVEL": "INFO",
    }


def build_app(database_url: str, sandbox_url: str, **extra: Any) -> Flask:
    config: dict[str, Any] = {**settings_env(database_url, sandbox_url),
                              "PAYMEGA_READ_TIMEOUT": 5.0, "PAYMEGA_CONNECT_TIMEOUT": 2.0,
                              # The table must stay readable: in-process apps log warnings
                              # only (gunicorn keeps INFO, into bench/results/*.log).
                              "LOG_LEVEL": "WARNING", **extra}
    return create_app(config)


def create_schema(app: Flask) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()


def ensure_users(app: Flask) -> dict[str, int]:
    """The bench users (created once per database); returns username → id."""
    with app.app_context():
        hashed: str | None = None
        ids: dict[str, int] = {}
        for name, roles in USERS.items():
            user = db.session.scalar(db.select(User).filter_by(username=name))
            if user is None:
                hashed = hashed or hash_password(PASSWORD)
                user = User(username=name, password_hash=hashed)
                user.set_roles(set(roles))
                db.session.add(user)
                db.session.commit()
            ids[name] = user.id
        return ids


class BenchClient(FlaskClient):
    """Speaks https to the app (its cookies are Secure) and sends the CSRF token and Referer
    a browser with our page would send."""

    csrf: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", BASE_URL)
        method = kwargs.get("method", "GET").upper()
        if method != "GET":
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Referer", BASE_URL + "/")
            if self.csrf:
                headers.setdefault("X-CSRFToken", self.csrf)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def submission_token(app: Flask, user_id: int) -> str:
    """A fresh one-time token as the new-payout form hands one out (bound to the user). A
    browser gets it by opening the form; that GET is not part of a timed create."""
    from webapp.form_tokens import issue

    with app.app_context():
        return issue(user_id)


def created_payout_id(location: str) -> int:
    """The payout a create redirected to; anything else (the form again, a refusal) fails."""
    match = re.search(r"/payouts/(\d+)$", location)
    if match is None:
        raise RuntimeError(f"the create did not lead to a payout: Location {location!r}")
    return int(match.group(1))


def csrf_from(html: str) -> str | None:
    match = CSRF_INPUT.search(html)
    return (match.group(1) or match.group(2)) if match else None


def second_factor_code(app: Flask, username: str) -> str | None:
    """For a role that must use two-factor sign-in (managers): enrol the bench user once and
    hand out a fresh backup code, which the sign-in's second step accepts."""
    try:
        import pyotp

        from webapp.auth import twofactor
    except ImportError:
        return None
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if user is None or not twofactor.required_for(user):
            return None
        if not user.totp_enabled_at:
            secret = twofactor.new_secret()
            codes = twofactor.enable(user, secret, pyotp.TOTP(secret).now())
        else:
            codes = twofactor.new_backup_codes(user)
        db.session.commit()
        return codes[0] if codes else None


def login(app: Flask, username: str) -> BenchClient:
    """A client signed in through the real /login form (and its second step, if any)."""
    code = second_factor_code(app, username)  # enrolled before: pages demand it of managers
    app.test_client_class = BenchClient
    client: BenchClient = app.test_client()  # type: ignore[assignment]
    page = client.get("/login")
    client.csrf = csrf_from(page.get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": client.csrf or ""})
    if answer.status_code == 303 and "/login/verify" in answer.headers["Location"]:
        step = client.get(answer.headers["Location"])
        client.csrf = csrf_from(step.get_data(as_text=True)) or client.csrf
        answer = client.post(answer.headers["Location"],
                             data={"code": code or "", "csrf_token": client.csrf or ""})
    if answer.status_code != 303 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"login as {username} failed: {answer.status_code}")
    landing = client.get(answer.headers["Location"])
    token = csrf_from(landing.get_data(as_text=True))
    client.csrf = token or client.csrf
    return client
