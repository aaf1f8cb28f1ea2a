"""`flask --app wsgi check`: one line per check, saying what is wrong; exit 1 only on a FAIL,
never on a warning (it runs from monitoring). (The all-ok run on PostgreSQL and Redis is in
test_two_instances.py and test_deploy_guide.py.)"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import app_settings
from tests.production.test_catalogs import retranslate
from webapp import checks
from webapp.checks import (
    check,
    check_callback_url,
    check_catalogs,
    check_key_naming,
    check_redis,
    check_smtp,
    run_checks,
)
from webapp.sandbox import SandboxServer
from webapp.sandbox.server import start_sandbox

Builder = Callable[[dict[str, Any]], Flask]
ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "APP_MODE": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://",
    "PAYMEGA_API_URL": "https://api.example.test", "PAYMEGA_PUBLIC_KEY": "pk_live_x",
    "PAYMEGA_ACCOUNT_ID": "acc", "PAYMEGA_SECRET_KEY": "sk_live_x", "METRICS_TOKEN": "m" * 32,
    "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lines_of(output: str) -> list[str]:
    lines = output.strip().splitlines()
    assert all(line.startswith(("ok: ", "warn: ", "FAIL: ")) for line in lines), lines
    return lines


def test_a_configuration_that_cannot_start_is_named_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in PRODUCTION and not k.startswith(("PAYMEGA_", "REDIS"))}
    env.update(APP_MODE="production", SECRET_KEY="x" * 40, DATABASE_URL="sqlite://")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    [line] = lines_of(done.stdout)
    assert line.startswith("FAIL: configuration: ")
    for name in ("PAYMEGA_API_URL", "PAYMEGA_SECRET_KEY", "METRICS_TOKEN"):
        assert name in line


def test_the_command_reports_every_check_and_fails_on_a_missing_migration(app: Flask) -> None:
    # The test database is built from the models, not by Alembic: no revision is recorded.
    result = app.test_cli_runner().invoke(check)
    lines = lines_of(result.output)
    assert result.exit_code == 1
    assert lines[0] == "ok: configuration resolves (APP_MODE=testing)"
    assert any(line.startswith("FAIL: database schema at nothing") and "db upgrade" in line
               for line in lines)
    assert any(line.startswith("ok: provider reachable") for line in lines)
    assert any(line.startswith("ok: provider accepted the public key") for line in lines)


def test_wrong_provider_keys_are_named(database_url: str, sandbox: SandboxServer,
                                      build_app: Builder) -> None:
    wrong = build_app(app_settings(database_url, sandbox.url, PAYMEGA_SECRET_KEY="sk_test_no",
                                    PAYMEGA_PUBLIC_KEY="pk_test_no"))
    text = "\n".join(result.message for result in run_checks(wrong))
    assert "provider refused PAYMEGA_ACCOUNT_ID/PAYMEGA_SECRET_KEY (HTTP 401)" in text
    assert "provider refused PAYMEGA_PUBLIC_KEY (HTTP 401)" in text


def test_an_unreachable_provider_is_named(database_url: str, build_app: Builder) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    results = run_checks(build_app(app_settings(database_url, url)))
    failed = [message for ok, message, _ in results if not ok]
    assert f"provider unreachable at {url}: ConnectionError" in failed
    assert "provider unreachable for the public API: ConnectionError" in failed


def test_keys_the_provider_accepts_pass_whatever_their_names(database_url: str,
                                                            build_app: Builder) -> None:
    """The issue's report: a live secret without the sk_ naming, accepted by the provider one
    line earlier, was called "not both test or both live" and failed the run forever."""
    provider = start_sandbox(public_key="pk_live_acme", secret_key="LIVE-4f1c9a0e-secret")
    try:
        app = build_app(app_settings(database_url, provider.url,
                                     PAYMEGA_PUBLIC_KEY="pk_live_acme",
                                     PAYMEGA_SECRET_KEY="LIVE-4f1c9a0e-secret"))
        results = {message: result for result in run_checks(app)
                   for message in [result.message]}
    finally:
        provider.stop()
    [naming] = [r for m, r in results.items() if "naming" in m]
    assert naming.ok and naming.warning and naming.label == "warn"
    assert "PAYMEGA_SECRET_KEY do not follow" in naming.message
    provider_lines = [r for m, r in results.items() if m.startswith("provider")]
    assert [r.ok for r in provider_lines] == [True, True], provider_lines
    assert any("accepted the public key in a pre-request" in m for m in results)


@pytest.mark.parametrize(("public", "secret", "label", "says"), [
    ("pk_test_a", "sk_test_b", "ok", "test keys by their names"),
    ("pk_live_a", "sk_live_b", "ok", "live keys by their names"),
    ("pk_test_a", "sk_live_b", "warn", "named as different kinds (test and live)"),
    ("pk_test_a", "secret", "warn", "PAYMEGA_SECRET_KEY do not follow"),
    ("public", "secret", "warn", "PAYMEGA_PUBLIC_KEY and PAYMEGA_SECRET_KEY do not follow"),
])
def test_key_naming_only_ever_warns(public: str, secret: str, label: str, says: str,
                                    build_app: Builder) -> None:
    app = build_app({**PRODUCTION, "PAYMEGA_PUBLIC_KEY": public, "PAYMEGA_SECRET_KEY": secret})
    with app.app_context():
        result = check_key_naming()
    assert result.ok and result.label == label and says in result.message


def test_warnings_print_as_warn_and_exit_zero_faults_exit_one(
        build_app: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app({**PRODUCTION, "PAYMEGA_SECRET_KEY": "no-naming-here"})
    monkeypatch.setattr(checks, "CHECKS", (check_key_naming,))
    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 0, result.output
    assert lines_of(result.output)[1].startswith("warn: PAYMEGA_SECRET_KEY do not follow")
    monkeypatch.setattr(checks, "CHECKS", (check_key_naming, check_callback_url))
    # A production start already refuses a missing callback URL (config); the check says so too.
    app.config["PAYMEGA_CALLBACK_URL"] = None
    result = app.test_cli_runner().invoke(check)  # no callback URL in production: a fault
    assert result.exit_code == 1
    assert lines_of(result.output)[2].startswith("FAIL: PAYMEGA_CALLBACK_URL is not set")


def test_a_public_key_the_prerequest_refuses_fails(database_url: str, sandbox: SandboxServer,
                                                  build_app: Builder) -> None:
    app = build_app(app_settings(database_url, sandbox.url, PAYMEGA_PUBLIC_KEY="pk_test_other"))
    results = run_checks(app)
    assert result_of(results, "provider refused PAYMEGA_PUBLIC_KEY (HTTP 401)").ok is False
    assert result_of(results, "provider reachable at").ok  # the secret key is still fine


def result_of(results: list[checks.Result], start: str) -> checks.Result:
    [found] = [r for r in results if r.message.startswith(start)]
    return found


@pytest.mark.parametrize(("url", "label", "says"), [
    (None, "FAIL", "PAYMEGA_CALLBACK_URL is not set"),
    ("http://desk.example.test/callbacks/paymega", "FAIL", "must be https"),
    ("https://desk.example.test/callbacks/paymega", "ok", "callback URL https://"),
    ("https:///callbacks/paymega", "FAIL", "not a well-formed http(s) URL"),
    ("https://desk.example.test:99999/callbacks/paymega", "FAIL", "not a well-formed URL"),
    ("desk.example.test/callbacks/paymega", "FAIL", "not a well-formed http(s) URL"),
    ("https://desk.example.test/callbacks /paymega", "FAIL", "not a well-formed http(s) URL"),
    ("https://desk.example.test/hooks/paymega", "warn", "does not end in /callbacks/paymega"),
])
def test_production_needs_a_well_formed_https_callback_url(url: str | None, label: str,
                                                           says: str,
                                                           build_app: Builder) -> None:
    # Production refuses to start with most of these (config); the check judges them itself.
    app = build_app(PRODUCTION)
    app.config["PAYMEGA_CALLBACK_URL"] = url
    with app.app_context():
        result = check_callback_url()
    assert result.label == label and says in result.message, result


def test_production_without_redis_fails_and_a_dead_redis_is_named(build_app: Builder) -> None:
    with build_app(PRODUCTION).app_context():
        ok, message, _ = check_redis()
    assert not ok and "REDIS_URL is not set" in message
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    with build_app({**PRODUCTION, "REDIS_URL": dead,
                     "RATELIMIT_STORAGE_URI": "memory://"}).app_context():
        ok, message, _ = check_redis()
    assert not ok and message.startswith("Redis does not answer: ConnectionError")


def test_uncompiled_or_stale_catalogs_are_named(build_app: Builder, tmp_path: Path) -> None:
    # h21's catalogs: compiled at start from CATALOG_DIRECTORY; stale or missing ones fail.
    copy = tmp_path / "translations"
    shutil.copytree(checks.CATALOGS, copy)
    app = build_app({**PRODUCTION, "CATALOG_DIRECTORY": str(copy)})
    with app.app_context():
        assert check_catalogs() == checks.Result(True, "translations compiled and current (ru, uk)")
        retranslate(copy, "ru", "Payouts", "Платежи")  # edited after the start
        stale = check_catalogs()
        assert not stale.ok and "'ru' is stale" in stale.message, stale
        (copy / "uk" / "LC_MESSAGES" / "messages.mo").unlink()
        missing = check_catalogs()
    assert not missing.ok and "'uk'" in missing.message and "not compiled" in missing.message


class _TinySmtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for a client's greeting, EHLO, AUTH PLAIN and QUIT."""

    user, password = "desk", "mail-secret"

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 tiny ESMTP")
        for raw in self.rfile:
            command = raw.decode().strip()
            if command.upper().startswith("EHLO"):
                self.reply("250-tiny")
                self.reply("250 AUTH PLAIN")
            elif command.upper().startswith("AUTH PLAIN"):
                sent = base64.b64decode(command.split()[-1]).split(b"\0")
                good = sent[1:] == [self.user.encode(), self.password.encode()]
                self.reply("235 ok" if good else "535 authentication failed")
            elif command.upper().startswith("QUIT"):
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TinySmtp)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("credentials", "label", "says"), [
    ("desk:mail-secret@", "ok", "answers and accepted the login"),
    ("", "ok", "answers"),
    ("desk:wrong@", "FAIL", "refused the login (535)"),
])
def test_smtp_is_checked_when_configured(credentials: str, label: str, says: str,
                                         smtp_port: int, build_app: Builder) -> None:
    app = build_app({**PRODUCTION,
                     "SMTP_URL": f"smtp://{credentials}127.0.0.1:{smtp_port}"})
    with app.app_context():
        result = check_smtp()
    assert result is not None and result.label == label and says in result.message, result


def test_smtp_is_skipped_when_not_configured_and_failed_when_away(build_app: Builder) -> None:
    with build_app(PRODUCTION).app_context():
        assert check_smtp() is None
    results = run_checks(build_app(PRODUCTION))
    assert not any("SMTP" in r.message for r in results)
    with build_app({**PRODUCTION,
                    "SMTP_URL": f"smtp://127.0.0.1:{closed_port()}"}).app_context():
        away = check_smtp()
    assert away is not None and not away.ok and "does not answer" in away.message
