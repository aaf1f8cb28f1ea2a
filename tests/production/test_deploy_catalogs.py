"""A fresh install by docs/deploy.md serves Russian and Ukrainian: a clone of this repository
(which holds no compiled catalog), its own virtualenv, the guide's commands, gunicorn on a
loopback port, and pages read over HTTP in ru and uk.

The new virtualenv sees this checkout's installed dependencies through a `.pth` line, so the
guide's `pip install -e .` installs only the desk itself (no dependency download); the
dependencies' commands (`flask`, `gunicorn`) are written into it the way pip writes them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.production.cluster import Browser, free_port, stop, wait_until_up
from webapp.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
INSTALL = "python3 -m venv .venv && .venv/bin/pip install -e ."
REDIS_URL = os.environ.get("TEST_DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "correct-horse-battery-staple"
SCRIPTS = {"flask": ("flask.cli", "main"), "gunicorn": ("gunicorn.app.wsgiapp", "run"),
           "pybabel": ("babel.messages.frontend", "main")}


def run(command: str, cwd: Path, env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(command, shell=True, cwd=cwd, env=env, input=stdin,  # noqa: S602
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What `git clone` of this repository gives a new host: sources, no `.mo` files."""
    target = tmp_path / "payouts-desk"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=120)
    assert not list(target.glob("webapp/translations/*/LC_MESSAGES/*.mo"))
    assert list(target.glob("webapp/translations/*/LC_MESSAGES/messages.po"))
    return target


@pytest.fixture
def environment(tmp_path: Path, sandbox: SandboxServer) -> Iterator[dict[str, str]]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PAYMEGA_", "TEST_", "PROMETHEUS_", "VIRTUAL_ENV"))}
    env.update({
        "APP_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}",
        "REDIS_URL": REDIS_URL,
        "PAYMEGA_API_URL": sandbox.url,
        "PAYMEGA_PUBLIC_KEY": "pk_test_sandbox",
        "PAYMEGA_ACCOUNT_ID": "sandbox",
        "PAYMEGA_SECRET_KEY": "sk_test_sandbox",
        "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "WEB_CONCURRENCY": "2",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    yield env
    redis.Redis.from_url(REDIS_URL).flushdb()  # the Redis database given to this test


def test_a_fresh_install_by_the_guide_serves_russian_and_ukrainian(
        checkout: Path, environment: dict[str, str], tmp_path: Path) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for command in (INSTALL, ".venv/bin/flask --app wsgi db upgrade",
                    ".venv/bin/flask --app wsgi check",
                    ".venv/bin/gunicorn -c gunicorn.conf.py --bind"):
        assert command in guide, f"the guide no longer says {command!r}: update this test"

    run("python3 -m venv .venv", checkout, environment)
    site = Path(sysconfig.get_paths()["purelib"])  # this checkout's dependencies, shared
    [new_site] = checkout.glob(".venv/lib/python3*/site-packages")
    (new_site / "_shared_dependencies.pth").write_text(f"{site}\n")
    for name, entry in SCRIPTS.items():  # the dependencies' commands, as pip would make them
        script = checkout / ".venv" / "bin" / name
        script.write_text(f"#!{checkout / '.venv' / 'bin' / 'python'}\n"
                          f"import sys\nfrom {entry[0]} import {entry[1]}\n"
                          f"sys.exit({entry[1]}())\n")
        script.chmod(0o755)
    run(".venv/bin/pip install -q -e .", checkout, environment)
    run(".venv/bin/flask --app wsgi db upgrade", checkout, environment)
    checked = run(".venv/bin/flask --app wsgi check", checkout, environment)
    assert "ok: translations compiled and current (ru, uk)" in checked, checked
    assert "FAIL" not in checked, checked
    run(".venv/bin/flask --app wsgi users create olga --role operator --password-stdin",
        checkout, environment, stdin=PASSWORD + "\n")

    port = free_port()
    with (tmp_path / "gunicorn.log").open("ab") as log:
        web = subprocess.Popen(
            [".venv/bin/gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "wsgi:app"], cwd=checkout, env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", web)
        for language, sign_in, payouts in (("ru", "Войти", "Выплаты"),
                                           ("uk", "Увійти", "Виплати")):
            visitor = Browser(base)
            login_page = visitor.get("/login", headers={"Accept-Language": language}).text
            assert f'lang="{language}"' in login_page and sign_in in login_page
            assert "Sign in" not in login_page
            assert visitor.sign_in("olga").status_code == 303
            visitor.get("/profile")  # the signed-in session's form token
            assert visitor.post("/language", {"language": language}).status_code in (302, 303)
            page = visitor.get("/payouts/").text
            assert f'lang="{language}"' in page and payouts in page, page[:2000]
    finally:
        stop(web)
    served_from = {p.relative_to(checkout).as_posix()
                   for p in checkout.glob("webapp/translations/*/LC_MESSAGES/messages.mo")}
    assert served_from == {"webapp/translations/ru/LC_MESSAGES/messages.mo",
                           "webapp/translations/uk/LC_MESSAGES/messages.mo"}
