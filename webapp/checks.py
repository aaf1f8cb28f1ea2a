"""`flask --app wsgi check`: is this deployment able to run? One line per check, "ok: …",
"warn: …" or "FAIL: …"; exit status 1 only when something FAILed (a fault that stops payouts),
so monitoring can run it. A warning is a convention the check cannot verify (key naming) or a
choice worth a second look; it never fails the run. Safe to run at any time: it changes nothing.

Registered as a `flask.commands` entry point too, so it still answers (with the reason) when
the configuration is so wrong that the app cannot be built.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import click
import requests
from flask import Flask, current_app
from flask.cli import ScriptInfo
from sqlalchemy import text

from webapp.catalogs import check_catalogs as catalogs_current
from webapp.smtp import smtp_address, smtp_session

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = (3.05, 5.0)
SMTP_TIMEOUT = 5.0
CATALOGS = ROOT / "webapp" / "translations"
KEY_PREFIXES = {"PAYMEGA_PUBLIC_KEY": "pk_", "PAYMEGA_SECRET_KEY": "sk_"}


class Result(NamedTuple):
    ok: bool
    message: str
    warning: bool = False  # ok, but worth a look: printed as "warn:", never fails the run

    @property
    def label(self) -> str:
        return "FAIL" if not self.ok else ("warn" if self.warning else "ok")


def warn(message: str) -> Result:
    return Result(True, message, warning=True)


def check_database() -> Result:
    from webapp.extensions import db

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return Result(False, f"database does not answer: {type(error).__name__}: "
                             f"{_first_line(error)}")
    name = db.engine.dialect.name
    note = "; SQLite suits one host only" if name == "sqlite" else ""
    return Result(True, f"database answers ({name}{note})")


def check_migrations() -> Result:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from webapp.extensions import db

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return Result(False, f"migration state unreadable: {type(error).__name__}")
    if current != heads:
        return Result(False, f"database schema at {', '.join(sorted(current)) or 'nothing'}, "
                             f"code expects {', '.join(sorted(heads))}: run "
                             "`flask --app wsgi db upgrade`")
    return Result(True, "database schema is at the latest migration")


def check_redis() -> Result:
    url = current_app.config.get("REDIS_URL")
    if not url:
        if current_app.config["APP_MODE"] == "production":
            return Result(False, "REDIS_URL is not set: rate limits, login throttling and the "
                                 "task queue would not be shared between processes")
        return Result(True, "REDIS_URL not set: limits and queue stay in this host (fine for "
                            "one process)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:
        return Result(False, f"Redis does not answer: {type(error).__name__}: {_first_line(error)}")
    return Result(True, "Redis answers")


def check_provider_account() -> Result:
    config = current_app.config
    base = config["PAYMEGA_API_URL"]
    try:
        answer = requests.get(
            base + "/payout-services", params={"page[size]": 1}, timeout=TIMEOUT,
            auth=(config["PAYMEGA_ACCOUNT_ID"], config["PAYMEGA_SECRET_KEY"]),
            headers={"Accept": "application/json"}, allow_redirects=False)
    except requests.RequestException as error:
        return Result(False, f"provider unreachable at {base}: {type(error).__name__}")
    if answer.status_code in (401, 403):
        return Result(False, "provider refused PAYMEGA_ACCOUNT_ID/PAYMEGA_SECRET_KEY "
                             f"(HTTP {answer.status_code})")
    if answer.status_code != 200:
        return Result(False, f"provider answered HTTP {answer.status_code} to a list of services")
    return Result(True, f"provider reachable at {base}, account id and secret key accepted")


def check_provider_public_key() -> Result:
    """The public key is tested by what uses it: a pre-request (it creates nothing). 2xx, or a
    refusal of the probe amount (400/422), means the key is known; 401/403 means it is not."""
    config = current_app.config
    try:
        answer = requests.post(
            config["PAYMEGA_API_URL"] + "/payout-prerequest", timeout=TIMEOUT,
            json={"currency": "USD", "amount": 10, "public_key": config["PAYMEGA_PUBLIC_KEY"]},
            headers={"Accept": "application/json"}, allow_redirects=False)
    except requests.RequestException as error:
        return Result(False, f"provider unreachable for the public API: {type(error).__name__}")
    if answer.status_code in (401, 403):
        return Result(False, f"provider refused PAYMEGA_PUBLIC_KEY (HTTP {answer.status_code})")
    if answer.status_code in (400, 422):
        return Result(True, "provider accepted the public key (it refused only the probe amount "
                            f"USD 10, HTTP {answer.status_code})")
    if not 200 <= answer.status_code < 300:
        return Result(False, f"provider answered HTTP {answer.status_code} to a pre-request")
    return Result(True, "provider accepted the public key in a pre-request")


def key_kind(value: str, prefix: str) -> str | None:
    """"test" or "live" from the documented naming (`pk_test_…`); None when it does not follow
    it: the provider decides, and it has already answered in the checks above."""
    for kind in ("test", "live"):
        if value.startswith(f"{prefix}{kind}_"):
            return kind
    return None


def check_key_naming() -> Result:
    """Naming is a convention, not a fact the desk can verify: a warning at most."""
    kinds = {name: key_kind(current_app.config[name], prefix)
             for name, prefix in KEY_PREFIXES.items()}
    unnamed = [name for name, kind in kinds.items() if kind is None]
    if unnamed:
        return warn(f"{' and '.join(unnamed)} do not follow the pk_test_/pk_live_/sk_test_/"
                    "sk_live_ naming; cannot tell test from live keys by name (the provider's "
                    "answers above decide)")
    if len(set(kinds.values())) > 1:
        return warn("PAYMEGA_PUBLIC_KEY and PAYMEGA_SECRET_KEY are named as different kinds "
                    f"({kinds['PAYMEGA_PUBLIC_KEY']} and {kinds['PAYMEGA_SECRET_KEY']}); "
                    "check that they belong to the same account")
    return Result(True, f"provider keys are {kinds['PAYMEGA_PUBLIC_KEY']} keys by their names")


def check_callback_url() -> Result:
    url = current_app.config.get("PAYMEGA_CALLBACK_URL")
    production = current_app.config["APP_MODE"] == "production"
    if not url:
        if production:
            return Result(False, "PAYMEGA_CALLBACK_URL is not set: status changes would arrive "
                                 "only by polling")
        return Result(True, "PAYMEGA_CALLBACK_URL not set: statuses arrive by polling")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return Result(False, f"PAYMEGA_CALLBACK_URL is not a well-formed URL: {url!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            c.isspace() for c in url):
        return Result(False, f"PAYMEGA_CALLBACK_URL is not a well-formed http(s) URL: {url!r}")
    if production and parts.scheme != "https":
        return Result(False, f"PAYMEGA_CALLBACK_URL must be https in production, not "
                             f"{parts.scheme}")
    expected = "/callbacks/paymega"
    if parts.path.rstrip("/") != expected:
        return warn(f"callback URL {url} does not end in {expected}, the desk's callback route; "
                    "fine only if a proxy rewrites it")
    return Result(True, f"callback URL {url}")


def check_role_conflicts() -> Result:
    """Accounts holding admin with a money role (made before the rule): named, never fixed
    here; they cannot create or approve payouts until an admin pair decides."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import User

    names = sorted(u.username for u in db.session.scalars(select(User)) if u.roles_conflict)
    if names:
        return Result(False, f"accounts hold admin together with operator or manager: "
                             f"{', '.join(names)}; they cannot create or approve payouts until "
                             f"two admins change their roles")
    return Result(True, "no account holds admin together with operator or manager")


def check_catalogs() -> Result:
    """Every offered language has an up-to-date compiled catalog (webapp/catalogs.py), or its
    pages would fall back to English without a word."""
    ok, message = catalogs_current()
    return Result(ok, message)


def check_smtp() -> Result | None:
    """Only when SMTP_URL is set (smtp://user:password@host:587 with STARTTLS when offered,
    smtps://… for TLS from the start): connect, greet, log in; nothing is sent."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme == "log":
        return warn("SMTP_URL=log://: notification e-mails are printed to the worker's log, "
                    "not sent (demo)")
    try:
        address = smtp_address(url)
    except ValueError:
        return Result(False, "SMTP_URL must look like smtp://user:password@host:587 or "
                             "smtps://…")
    where = f"{address.host}:{address.port}"
    try:
        with smtp_session(address, SMTP_TIMEOUT):
            pass
    except smtplib.SMTPAuthenticationError as error:
        return Result(False, f"SMTP server {where} refused the login ({error.smtp_code})")
    except (OSError, smtplib.SMTPException) as error:
        return Result(False, f"SMTP server {where} does not answer: {type(error).__name__}")
    return Result(True, f"SMTP server {where} answers"
                        + (" and accepted the login" if address.username else ""))


def check_mail_from() -> Result | None:
    """With SMTP_URL, notification e-mails also need a sender (MAIL_FROM) and a base URL for
    their links; without a sender they stay off (in-app only)."""
    url = current_app.config.get("SMTP_URL")
    if not url or urlsplit(url).scheme == "log":
        return None
    sender = current_app.config.get("MAIL_FROM")
    if not sender:
        return Result(False, "SMTP_URL is set but MAIL_FROM is not: notification e-mails "
                             "stay off")
    return Result(True, f"notification e-mails come from {sender}, links point to "
                        f"{current_app.config.get('PUBLIC_BASE_URL')}")


CHECKS: tuple[Callable[[], Result | None], ...] = (
    check_database, check_migrations, check_redis, check_provider_account,
    check_provider_public_key, check_key_naming, check_callback_url, check_catalogs, check_smtp,
    check_mail_from,
    check_role_conflicts,
)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def run_checks(app: Flask) -> list[Result]:
    mode = app.config["APP_MODE"]
    results: list[Result] = [Result(True, f"configuration resolves (APP_MODE={mode})")]
    with app.app_context():
        for check_one in CHECKS:
            try:
                result = check_one()
            except Exception as error:  # a check must never hide the checks after it
                result = Result(False, f"{check_one.__name__}: {type(error).__name__}: "
                                       f"{_first_line(error)}")
            if result is not None:  # None: not configured, nothing to check
                results.append(result)
    return results


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate configuration and connectivity; one line per check, exit 1 only on a FAIL."""
    info = ctx.ensure_object(ScriptInfo)
    try:
        app = info.load_app()
    except Exception as error:
        click.echo(f"FAIL: configuration: {_first_line(error)}")
        ctx.exit(1)
    results = run_checks(app)
    for result in results:
        click.echo(f"{result.label}: {result.message}")
    ctx.exit(0 if all(result.ok for result in results) else 1)
