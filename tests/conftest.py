"""Shared fixtures: a real sandbox on a loopback port, a real database (SQLite by default,
PostgreSQL when TEST_DATABASE_URL says so), the app, clients and per-role users."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import StrictUndefined
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import text

from tests import process_tally
from webapp import create_app
from webapp.auth.passwords import hash_password
from webapp.extensions import db
from webapp.models import ApprovalLimit, Role, User
from webapp.sandbox import SandboxServer, start_sandbox

TEST_PASSWORD = "correct-horse-battery-staple"
CHROMIUM = "/usr/bin/chromium"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets a database of its own next to TEST_DATABASE_URL's
    (`test` -> `test_gw0`), made on first use: the schema reset and the per-test TRUNCATE of
    one worker must not meet another's tests."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    plain = parsed.set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as admin:
        known = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if known.fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, one per test process: every test that drives a
    browser shares it (a second Playwright in the same process is refused)."""
    if not Path(CHROMIUM).exists():  # scripts/ensure-test-tools.sh installs it
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-test-tools.sh")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the payouts whose recovery job was queued during the test; the jobs do not run
    (the test runs them itself, when it chooses)."""
    from webapp.payout_core import recovery

    seen: list[int] = []
    monkeypatch.setattr(recovery, "recovery_job", lambda payout_id, _manual: seen.append(
        payout_id))
    return seen


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = start_sandbox(port=0, lifecycle_delay=0.05)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no faults injected and zeroed counters."""
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").state.reset()
    yield
    if ("sandbox" in request.fixturenames and "app" in request.fixturenames
            and process_tally.watched(request.node.nodeid)
            and request.node.get_closest_marker("process_outside_desk") is None
            and request.node.get_closest_marker("worker_stopped") is None):
        process_tally.record(request.node.nodeid, request.getfixturevalue("_migrated_app"),
                             request.getfixturevalue("sandbox"))


def app_settings(database_url: str, sandbox_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "APP_MODE": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": database_url,
        "PAYMEGA_API_URL": sandbox_url,
        "PAYMEGA_PUBLIC_KEY": "pk_test_sandbox",
        "PAYMEGA_ACCOUNT_ID": "sandbox",
        "PAYMEGA_SECRET_KEY": "sk_test_sandbox",
        "PAYMEGA_READ_TIMEOUT": 1.0,
        "PAYMEGA_CONNECT_TIMEOUT": 1.0,
        "RATELIMIT_ENABLED": True,
        # One test process plays many people at once (racing threads, live servers): more
        # connections than one gunicorn thread's share.
        "DB_POOL_SIZE": 12,
        "DB_MAX_OVERFLOW": 8,
        **extra,
    }


@pytest.fixture(scope="session")
def _migrated_app(database_url: str, sandbox: SandboxServer) -> Iterator[Flask]:
    app = create_app(app_settings(database_url, sandbox.url))
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        # The schema comes from the models here; tests/test_migrations.py proves the Alembic
        # migrations build the very same schema on this database.
        _empty_the_database()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # an open pooled connection left to the collector is a warning


def _empty_the_database() -> None:
    """Start from nothing: a CI database may hold tables of another version of the desk, whose
    foreign keys would stop `drop_all` (it only knows this version's tables)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        return
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _end_leftover_transactions() -> None:
    """A failed test can leave connections idle inside a transaction (a server thread's session,
    a pool it never closed); their locks would stall this TRUNCATE and every test after it.
    Ended here, so one failure stays one failure."""
    db.session.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND state LIKE 'idle in transaction%'"))
    db.session.commit()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        _end_leftover_transactions()
        db.session.execute(text("SET LOCAL lock_timeout = '30s'"))
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our own table names)
    db.session.commit()


@pytest.fixture
def app(_migrated_app: Flask) -> Iterator[Flask]:
    app = _migrated_app
    with app.app_context():
        _truncate_all()
        from webapp.extensions import limiter

        limiter.reset()
        for cache in ("payout_filter_choices", "payouts_prerequest_cache",
                      "payouts_filter_markup"):
            app.extensions.pop(cache, None)  # per-process caches start empty in each test
        yield app
        db.session.remove()
    # Every test shares this app: a fixture that swapped its client class would make other
    # tests' posts pass CSRF by accident.
    assert app.test_client_class is None, "a test changed the shared app's test_client_class"


def csrf_token_for(client: FlaskClient, app: Flask) -> str:
    """A valid CSRF token for this client's session, made the way Flask-WTF makes one."""
    import hashlib
    import secrets

    with client.session_transaction() as session:
        raw = session.get("csrf_token")
        if raw is None:
            raw = hashlib.sha1(secrets.token_bytes(64)).hexdigest()  # noqa: S324 (as Flask-WTF)
            session["csrf_token"] = raw
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return str(serializer.dumps(raw))


class CSRFClient(FlaskClient):
    """Adds the session's CSRF token to form posts, as a browser with our page would.
    Pass `csrf=False` to post without it."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        add_token = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        if add_token and method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", csrf_token_for(self, self.application))
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def csrf_client(app: Flask) -> CSRFClient:
    """A fresh CSRF-aware client of `app`; the shared app's `test_client_class` stays as is."""
    return CSRFClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return csrf_client(app)


def enrol_two_factor(user: User) -> str:
    """Give `user` an authenticator (as /account/2fa/setup would); returns the TOTP secret."""
    import pyotp

    from webapp.auth.twofactor import PURPOSE
    from webapp.crypto import encrypt_text
    from webapp.models.base import utcnow

    secret = pyotp.random_base32()
    user.totp_secret_encrypted = encrypt_text(PURPOSE, secret)
    user.totp_enabled_at = utcnow()
    return secret


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Factory: `make_user("ann", Role.MANAGER)` stores a user with a known password.
    Managers and admins get an authenticator (their role requires one) unless
    `two_factor=False`; `two_factor=True` gives one to any role."""
    hashed = hash_password(TEST_PASSWORD)

    def make(username: str, *roles: Role, two_factor: bool | None = None,
             limits: dict[str, str | None] | None = None, **attrs: Any) -> User:
        user = User(username=username, password_hash=hashed, **attrs)
        user.set_roles(set(roles) or {Role.OPERATOR})
        if two_factor or (two_factor is None and user.has_role(Role.MANAGER, Role.ADMIN)):
            enrol_two_factor(user)
        db.session.add(user)
        db.session.flush()
        if limits is None and Role.MANAGER in user.roles:
            limits = {"*": None}  # limits fail closed: managers get an explicit "no limit"
        for currency, amount in (limits or {}).items():
            db.session.add(ApprovalLimit(user_id=user.id, currency=currency,
                                         max_amount=None if amount is None else Decimal(amount)))
        db.session.commit()
        return user

    return make


def current_code(username: str) -> str:
    """The authenticator's code now for `username`. The replay guard (tests/twofactor) would
    refuse a second sign-in in the same 30 seconds, so fixture sign-ins forget the last step."""
    import pyotp
    from sqlalchemy import update

    from webapp.auth.services import find_user
    from webapp.auth.twofactor import secret_of

    user = find_user(username)
    assert user is not None and user.totp_enabled, username
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(secret_of(user)).now()


def login(client: FlaskClient, username: str, password: str = TEST_PASSWORD) -> Any:
    """Sign in through the real pages: password, then the authenticator code when asked."""
    response = client.post("/login", data={"username": username, "password": password})
    if response.status_code == 303 and response.location.startswith("/login/verify"):
        response = client.post("/login/verify", data={"code": current_code(username)})
    return response


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """Factory: a fresh client logged in as a new user holding `roles`."""

    def make(*roles: Role, username: str | None = None) -> FlaskClient:
        name = username or "_".join(r.value for r in roles) + "_user"
        make_user(name, *roles)
        new_client = csrf_client(app)
        response = login(new_client, name)
        assert response.status_code == 303, response.data[:500]
        return new_client

    return make


@pytest.fixture
def operator_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    return login_as(Role.OPERATOR, username="olga")


@pytest.fixture
def manager_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    return login_as(Role.MANAGER, username="max")


@pytest.fixture
def admin_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    return login_as(Role.ADMIN, username="ada")


@pytest.fixture
def auditor_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    return login_as(Role.AUDITOR, username="aud")


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def make_payout(app: Flask, sandbox: SandboxServer) -> Callable[..., Any]:
    """Factory: a payout created through the real flow (pre-request and create over HTTP)."""
    import uuid

    from webapp.payout_core.create import PayoutDraft, submit_payout
    from webapp.payout_core.gateway import provider_client

    def make(
        creator: User,
        *,
        amount: str = "10.00",
        currency: str = "USD",
        service: str = "test_usd",
        fields: dict[str, str] | None = None,
    ) -> Any:
        prerequest = provider_client().prerequest(currency, Decimal(amount))
        chosen = prerequest.service(service)
        assert chosen is not None, f"{service} not offered for {amount} {currency}"
        draft = PayoutDraft(
            service=chosen, currency=currency, amount=Decimal(amount),
            fields=fields if fields is not None else {"account": "4242"},
            submission_token=str(uuid.uuid4()), customer_name="Rita Novak",
        )
        outcome = submit_payout(draft, creator)
        assert outcome.payout is not None
        return outcome.payout

    return make


@pytest.fixture
def client_for(app: Flask) -> Callable[[str], FlaskClient]:
    """Factory: a fresh client logged in as an existing user."""

    def make(username: str) -> FlaskClient:
        new_client = csrf_client(app)
        response = login(new_client, username)
        assert response.status_code == 303, response.data[:500]
        return new_client

    return make


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a loopback port (for callbacks and browsers)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def callbacks_to(app: Flask, live_server: str) -> Iterator[str]:
    """Point the provider's callbacks at the live server for this test."""
    url = f"{live_server}/callbacks/paymega"
    previous = app.config.get("PAYMEGA_CALLBACK_URL")
    app.config["PAYMEGA_CALLBACK_URL"] = url
    yield url
    app.config["PAYMEGA_CALLBACK_URL"] = previous


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass (for background deliveries)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its process-call tally to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["process_tally"] = process_tally.TALLY.as_dict()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller sums the workers' tallies, so `-n 2` prints the suite's one figure."""
    tally = getattr(node, "workeroutput", {}).get("process_tally")
    if tally:
        process_tally.TALLY.merge(tally)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix prints its table (tests/faults) when it ran."""
    from tests.faults.conftest import print_fault_table

    print_fault_table(terminalreporter)
    process_tally.report(terminalreporter)
