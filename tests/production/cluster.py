"""A production-shaped deployment on this machine for the multi-instance tests: its own
PostgreSQL database, its own Redis database, the sandbox and two gunicorn instances (separate
processes, separate ports), all stopped and removed afterwards even when a test fails."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
REDIS_DBS = range(15, 7, -1)  # we take an empty one of these and flush only that one
CLAIM_KEY = "payouts-desk-test:claimed-by"
PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (gunicorn's workers too), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"test_two_instances_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_database() -> Iterator[str]:
    """An empty Redis database, claimed so a concurrent run picks another one."""
    owner = f"{os.getpid()}-{secrets.token_hex(4)}"
    for number in REDIS_DBS:
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
        if client.dbsize() == 0 and client.set(CLAIM_KEY, owner, nx=True, ex=600):
            break
    else:
        raise RuntimeError("no empty Redis database (8-15) to run the multi-instance tests in")
    try:
        yield f"{REDIS_SERVER}/{number}"
    finally:
        client.flushdb()


@dataclass
class Cluster:
    env: dict[str, str]
    sandbox_url: str
    instances: list[str]
    database_url: str
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def flask(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args], env=self.env, cwd=ROOT,
            input=stdin, capture_output=True, text=True, timeout=60, check=False)

    def sandbox_stats(self) -> dict[str, Any]:
        answer = requests.get(f"{self.sandbox_url}/_sandbox/stats", timeout=5)
        answer.raise_for_status()
        return dict(answer.json()["data"])

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url) as connection:
            return list(connection.execute(query, params).fetchall())


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _create_users(cluster: Cluster) -> None:
    for name, role in (("olga", "operator"), ("tess", "operator"), ("max", "manager"),
                       ("mia", "manager"), ("ada", "admin")):
        done = cluster.flask("users", "create", name, "--role", role, "--password-stdin",
                             stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr[-2000:]
        if role == "manager":  # limits fail closed: give the managers an explicit "no limit"
            done = cluster.flask("users", "limit", name, "*", "none")
            assert done.returncode == 0, done.stderr[-2000:]
    # Managers and admins may need a second factor (webapp/auth/twofactor.py): enrol them with
    # a known secret, claiming an old time step so that today's codes are still unused.
    script = """
import importlib.util, sys, time
if importlib.util.find_spec("webapp.auth.twofactor") is None:
    sys.exit(0)
import pyotp
from webapp import create_app
from webapp.auth import twofactor
from webapp.auth.services import find_user
from webapp.extensions import db
app = create_app()
with app.app_context():
    past = time.time() - 3600
    for name in sys.argv[1:]:
        user = find_user(name)
        assert twofactor.enable(user, SECRET, pyotp.TOTP(SECRET).at(past), now=past) is not None
    db.session.commit()
""".replace("SECRET", repr(TOTP_SECRET))
    done = subprocess.run([sys.executable, "-c", script, "max", "mia", "ada"], env=cluster.env,
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def running_cluster(log_dir: Path) -> Iterator[Cluster]:
    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_database())
        redis_url = stack.enter_context(redis_database())
        sandbox_port, ports = free_port(), [free_port(), free_port()]
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = {
            **os.environ,
            "APP_MODE": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PAYMEGA_API_URL": sandbox_url,
            "PAYMEGA_PUBLIC_KEY": "pk_test_sandbox",
            "PAYMEGA_ACCOUNT_ID": "sandbox",
            "PAYMEGA_SECRET_KEY": "sk_test_sandbox",
            "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega",
            "PAYMEGA_READ_TIMEOUT": "5",
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            "LOG_FORMAT": "json",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("PROMETHEUS_MULTIPROC_DIR", "TEST_DATABASE_URL", "PROXY_HOPS"):
            env.pop(name, None)
        cluster = Cluster(env, sandbox_url, [f"http://127.0.0.1:{p}" for p in ports],
                          database_url, log_dir)
        sandbox = _spawn([sys.executable, "-m", "webapp.sandbox", "--port", str(sandbox_port),
                          "--lifecycle-delay", "0.2"], env, log_dir / "sandbox.log")
        stack.callback(stop, sandbox)
        upgraded = cluster.flask("db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr[-3000:]
        _create_users(cluster)
        for index, port in enumerate(ports):
            instance_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(log_dir / f"prom-{index}")}
            web = _spawn([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                          "--bind", f"127.0.0.1:{port}", "wsgi:app"], instance_env,
                         log_dir / f"web-{index}.log")
            stack.callback(stop, web)
            cluster.processes.append(web)
        wait_until_up(f"{sandbox_url}/_sandbox/stats", sandbox)
        for url, web in zip(cluster.instances, cluster.processes, strict=True):
            wait_until_up(f"{url}/healthz", web)
        yield cluster


CSRF_IN_HEADERS = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
CSRF_IN_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|'
                           r'value="([^"]+)"[^>]*name="csrf_token"')


class Browser:
    """A person at one instance: cookies kept by hand, because the production session cookie
    is `Secure` and these instances speak plain HTTP on loopback (TLS ends at the proxy)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def at(self, base: str) -> Browser:
        """The same cookies, sent to another instance."""
        other = Browser(base)
        other.cookies = dict(self.cookies)
        other.csrf = self.csrf
        return other

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        answer = requests.request(method, self.base + path, cookies=self.cookies,
                                  allow_redirects=False, timeout=30, **kwargs)
        for cookie in answer.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        found = CSRF_IN_HEADERS.search(answer.text) or CSRF_IN_INPUT.search(answer.text)
        if found:
            self.csrf = next(group for group in found.groups() if group)
        return answer

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        assert self.csrf, "open a page first: forms need its CSRF token"
        return self.request("POST", path, data={**(data or {}), "csrf_token": self.csrf})

    def sign_in(self, username: str, password: str = PASSWORD) -> requests.Response:
        self.get("/login")
        answer = self.post("/login", {"username": username, "password": password})
        if answer.status_code == 303 and "/login/verify" in answer.headers["Location"]:
            import pyotp

            self.get("/login/verify")
            answer = self.post("/login/verify", {"code": pyotp.TOTP(TOTP_SECRET).now()})
        return answer
