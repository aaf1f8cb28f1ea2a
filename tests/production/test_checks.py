"""`flask --app wsgi check`: one line per check, saying what is wrong; exit 1 on any FAIL.
(The all-ok run on PostgreSQL and Redis is in test_two_instances.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import app_settings
from webapp.checks import check, check_callback_url, check_redis, run_checks
from webapp.sandbox import SandboxServer

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
    assert all(line.startswith(("ok: ", "FAIL: ")) for line in lines), lines
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
    text = "\n".join(message for _, message in run_checks(wrong))
    assert "provider refused PAYMEGA_ACCOUNT_ID/PAYMEGA_SECRET_KEY (HTTP 401)" in text
    assert "provider refused PAYMEGA_PUBLIC_KEY (HTTP 401)" in text


def test_an_unreachable_provider_and_mixed_keys_are_named(database_url: str,
                                                          sandbox: SandboxServer,
                                                          build_app: Builder) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    results = run_checks(build_app(app_settings(database_url, url,
                                                 PAYMEGA_SECRET_KEY="sk_live_mixed")))
    failed = [message for ok, message in results if not ok]
    assert f"provider unreachable at {url}: ConnectionError" in failed
    assert "PAYMEGA_PUBLIC_KEY and PAYMEGA_SECRET_KEY are not both test or both live" in failed


@pytest.mark.parametrize(("mode", "url", "ok", "says"), [
    ("testing", None, True, "PAYMEGA_CALLBACK_URL not set"),
    ("testing", "http://127.0.0.1:5000/callbacks/paymega", True, "callback URL http://"),
    ("production", "https://desk.example.test/callbacks/paymega", True,
     "callback URL https://"),
])
def test_the_callback_url_is_reported(mode: str, url: str | None, ok: bool, says: str,
                                      build_app: Builder) -> None:
    """Production refuses to start without an https callback URL (tests/test_config.py);
    `flask check` names the one it uses."""
    settings = PRODUCTION if mode == "production" else {"APP_MODE": "testing"}
    app = build_app({**settings, "PAYMEGA_CALLBACK_URL": url})
    with app.app_context():
        result = check_callback_url()
    assert result[0] is ok and says in result[1]


def test_production_without_redis_fails_and_a_dead_redis_is_named(build_app: Builder) -> None:
    with build_app(PRODUCTION).app_context():
        ok, message = check_redis()
    assert not ok and "REDIS_URL is not set" in message
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    with build_app({**PRODUCTION, "REDIS_URL": dead,
                     "RATELIMIT_STORAGE_URI": "memory://"}).app_context():
        ok, message = check_redis()
    assert not ok and message.startswith("Redis does not answer: ConnectionError")
