"""`flask --app wsgi check`: is this deployment able to run? One line per check, "ok: …" or
"FAIL: …", exit status 1 when anything failed. Safe to run at any time: it changes nothing.

Registered as a `flask.commands` entry point too, so it still answers (with the reason) when
the configuration is so wrong that the app cannot be built.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests
from flask import Flask, current_app
from flask.cli import ScriptInfo
from sqlalchemy import text

from webapp.catalogs import check_catalogs

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = (3.05, 5.0)
Result = tuple[bool, str]


def check_database() -> Result:
    from webapp.extensions import db

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return False, f"database does not answer: {type(error).__name__}: {_first_line(error)}"
    name = db.engine.dialect.name
    note = "; SQLite suits one host only" if name == "sqlite" else ""
    return True, f"database answers ({name}{note})"


def check_migrations() -> Result:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from webapp.extensions import db

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return False, f"migration state unreadable: {type(error).__name__}"
    if current != heads:
        return False, (f"database schema at {', '.join(sorted(current)) or 'nothing'}, code "
                       f"expects {', '.join(sorted(heads))}: run `flask --app wsgi db upgrade`")
    return True, "database schema is at the latest migration"


def check_redis() -> Result:
    url = current_app.config.get("REDIS_URL")
    if not url:
        if current_app.config["APP_MODE"] == "production":
            return False, ("REDIS_URL is not set: rate limits, login throttling and the task "
                           "queue would not be shared between processes")
        return True, "REDIS_URL not set: limits and queue stay in this host (fine for one process)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:
        return False, f"Redis does not answer: {type(error).__name__}: {_first_line(error)}"
    return True, "Redis answers"


def check_provider_account() -> Result:
    config = current_app.config
    base = config["PAYMEGA_API_URL"]
    try:
        answer = requests.get(
            base + "/payout-services", params={"page[size]": 1}, timeout=TIMEOUT,
            auth=(config["PAYMEGA_ACCOUNT_ID"], config["PAYMEGA_SECRET_KEY"]),
            headers={"Accept": "application/json"}, allow_redirects=False)
    except requests.RequestException as error:
        return False, f"provider unreachable at {base}: {type(error).__name__}"
    if answer.status_code in (401, 403):
        return False, (f"provider refused PAYMEGA_ACCOUNT_ID/PAYMEGA_SECRET_KEY "
                       f"(HTTP {answer.status_code})")
    if answer.status_code != 200:
        return False, f"provider answered HTTP {answer.status_code} to a list of services"
    return True, f"provider reachable at {base}, account id and secret key accepted"


def check_provider_public_key() -> Result:
    config = current_app.config
    public, secret = config["PAYMEGA_PUBLIC_KEY"], config["PAYMEGA_SECRET_KEY"]
    if public.startswith("pk_test_") != secret.startswith("sk_test_"):
        return False, "PAYMEGA_PUBLIC_KEY and PAYMEGA_SECRET_KEY are not both test or both live"
    try:
        # A pre-request creates nothing; any answer but 401/403 means the key is known.
        answer = requests.post(
            config["PAYMEGA_API_URL"] + "/payout-prerequest", timeout=TIMEOUT,
            json={"currency": "USD", "amount": 10, "public_key": public})
    except requests.RequestException as error:
        return False, f"provider unreachable for the public API: {type(error).__name__}"
    if answer.status_code in (401, 403):
        return False, f"provider refused PAYMEGA_PUBLIC_KEY (HTTP {answer.status_code})"
    mode = "test" if public.startswith("pk_test_") else "live"
    return True, f"provider accepted the public key ({mode} keys)"


def check_callback_url() -> Result:
    url = current_app.config.get("PAYMEGA_CALLBACK_URL")
    production = current_app.config["APP_MODE"] == "production"
    if not url:
        if production:
            return False, ("PAYMEGA_CALLBACK_URL is not set: status changes would arrive only "
                           "by polling")
        return True, "PAYMEGA_CALLBACK_URL not set: statuses arrive by polling"
    scheme = urlsplit(url).scheme
    if production and scheme != "https":
        return False, f"PAYMEGA_CALLBACK_URL must be https in production, not {scheme or url}"
    return True, f"callback URL {url}"


def check_role_conflicts() -> Result:
    """Accounts holding admin with a money role (made before the rule): named, never fixed
    here; they cannot create or approve payouts until an admin pair decides."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import User

    names = sorted(u.username for u in db.session.scalars(select(User)) if u.roles_conflict)
    if names:
        return False, (f"accounts hold admin together with operator or manager: "
                       f"{', '.join(names)}; they cannot create or approve payouts until two "
                       f"admins change their roles")
    return True, "no account holds admin together with operator or manager"


CHECKS: tuple[Callable[[], Result], ...] = (
    check_database, check_migrations, check_redis, check_provider_account,
    check_provider_public_key, check_callback_url, check_catalogs, check_role_conflicts,
)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def run_checks(app: Flask) -> list[Result]:
    mode = app.config["APP_MODE"]
    results: list[Result] = [(True, f"configuration resolves (APP_MODE={mode})")]
    with app.app_context():
        for check_one in CHECKS:
            try:
                results.append(check_one())
            except Exception as error:  # a check must never hide the checks after it
                results.append((False, f"{check_one.__name__}: {type(error).__name__}: "
                                       f"{_first_line(error)}"))
    return results


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate configuration and connectivity; one line per check, exit 1 on any FAIL."""
    info = ctx.ensure_object(ScriptInfo)
    try:
        app = info.load_app()
    except Exception as error:
        click.echo(f"FAIL: configuration: {_first_line(error)}")
        ctx.exit(1)
    results = run_checks(app)
    for ok, message in results:
        click.echo(f"{'ok' if ok else 'FAIL'}: {message}")
    ctx.exit(0 if all(ok for ok, _ in results) else 1)
