"""docs/deploy.md, deployed as written on this machine: the guide's environment file, release
commands, systemd units (their ExecStart, Environment and RuntimeDirectory lines) and nginx
configuration are read from the guide itself; only what must differ on a shared test machine
is substituted (paths, ports, credentials, a self-signed certificate, WEB_CONCURRENCY).

Own PostgreSQL database, own Redis server (tests/production/own_redis.py), the sandbox as the
provider, two gunicorn instances on loopback ports, the worker, nginx from Debian. Everything
is stopped and removed afterwards, even when a test fails.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

from tests.production.cluster import (
    PASSWORD,
    TOTP_SECRET,
    Browser,
    free_port,
    postgres_database,
    stop,
)
from tests.production.own_redis import OwnRedis, own_redis

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
CHECKOUT = "/srv/payouts-desk"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)
TEST_CONNECTION = "deployment-test"  # the test's own look-ups: never killed by the chaos test
# What a shared test machine cannot take as written; everything else comes from the guide.
LOCAL_ONLY = {"WEB_CONCURRENCY": "2"}
# On the test's own Redis server anyway; not db 0 either, so even a Redis shared by mistake
# would not mix the deployment's keys with anybody's default database (issue 28 mod 16).
REDIS_DB = 12


def guide_blocks() -> dict[str, str]:
    """Fenced blocks of the guide by `file=…` (or the first word after the language)."""
    blocks: dict[str, str] = {}
    for _language, info, body in BLOCK.findall(GUIDE.read_text()):
        words = info.split()
        for word in words:
            if word.startswith("file="):
                blocks[word.removeprefix("file=")] = body
        if words and not words[0].startswith("file="):
            blocks[words[0]] = body
    return blocks


def env_file_entries(text: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            entries[name.strip()] = value.strip()
    return entries


def unit_settings(text: str) -> dict[str, list[str]]:
    """`Key=Value` lines of a systemd unit; a key may repeat (Environment=)."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("[", "#")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def find_nginx() -> str:
    """Debian's nginx; installed by scripts/ensure-test-tools.sh when missing."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-test-tools.sh")], check=True,
                       timeout=600)
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "desk.pem", directory / "desk.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(url: str, process: subprocess.Popen[bytes], *, verify: Any = True,
              timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        with suppress(requests.RequestException):
            if requests.get(url, timeout=1, verify=verify).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class Deployment:
    work: Path
    env: dict[str, str]
    env_file: Path
    database_url: str
    redis: OwnRedis
    sandbox_url: str
    web_ports: list[int]
    public_url: str
    cert: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # --- the guide's units -------------------------------------------------------------
    def _unit_command(self, unit: str, instance: int | None = None
                      ) -> tuple[list[str], dict[str, str]]:
        settings = unit_settings(guide_blocks()[unit])
        env = dict(self.env)
        for assignment in settings.get("Environment", []):
            name, _, value = assignment.partition("=")
            env[name] = self._local(value, instance)
        for directory in settings.get("RuntimeDirectory", []):
            (self.work / "run" / self._local(directory, instance)).mkdir(parents=True,
                                                                         exist_ok=True)
        [exec_start] = settings["ExecStart"]
        return self._local(exec_start, instance).split(), env

    def _local(self, text: str, instance: int | None) -> str:
        if instance is not None:
            text = text.replace("800%i", str(self.web_ports[instance - 1]))
            text = text.replace("%i", str(instance))
        text = text.replace(f"{CHECKOUT}/.venv/bin/", f"{Path(sys.executable).parent}/")
        text = text.replace(CHECKOUT, str(ROOT))
        return text.replace("/run/", f"{self.work}/run/")

    def start_web(self, instance: int, *, wait: bool = True) -> None:
        command, env = self._unit_command("/etc/systemd/system/payouts-desk-web@.service",
                                          instance)
        name = f"web{instance}"
        self.processes[name] = _spawn(command, env, self.work / f"{name}.log")
        if wait:
            _wait_for(f"http://127.0.0.1:{self.web_ports[instance - 1]}/healthz",
                      self.processes[name])

    def start_worker(self) -> None:
        command, env = self._unit_command("/etc/systemd/system/payouts-desk-worker.service")
        self.processes["worker"] = _spawn(command, env, self.work / "worker.log")

    def signal(self, name: str, signum: int, *, wait: float = 30.0) -> None:
        """Send `signum` to a unit's process group (as systemd's KillMode=control-group)."""
        process = self.processes[name]
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        process.wait(timeout=wait)

    # --- looking ---------------------------------------------------------------------------
    def browser(self) -> TlsBrowser:
        return TlsBrowser(self.public_url, self.cert)

    def sandbox_stats(self) -> dict[str, Any]:
        answer = requests.get(f"{self.sandbox_url}/_sandbox/stats", timeout=5)
        answer.raise_for_status()
        return dict(answer.json()["data"])

    def sandbox(self, path: str, body: dict[str, Any]) -> None:
        requests.post(f"{self.sandbox_url}{path}", json=body, timeout=5).raise_for_status()

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, application_name=TEST_CONNECTION) as connection:
            return list(connection.execute(query, params).fetchall())

    def sql_write(self, query: str, *params: Any) -> None:
        with psycopg.connect(self.database_url, autocommit=True,
                             application_name=TEST_CONNECTION) as connection:
            connection.execute(query, params)

    def python(self, script: str, *args: str, timeout: float = 120) -> str:
        """Run `script` in the deployment's environment (as a `flask` command would)."""
        done = subprocess.run([sys.executable, "-c", script, *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        return done.stdout

    def logs(self) -> str:
        parts = []
        for log in sorted(self.work.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {log.name} (last lines) ---\n" + "\n".join(lines))
        return "\n".join(parts)


class TlsBrowser(Browser):
    """A person's browser at nginx: HTTPS with the test's certificate, and a Referer on every
    POST as browsers send (Flask-WTF's CSRF check compares it with the host, port included)."""

    def __init__(self, base: str, cert: Path) -> None:
        super().__init__(base)
        self.cert = cert

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Referer", self.base + path)
        return super().request(method, path, headers=headers, verify=str(self.cert), **kwargs)


def _nginx_config(deployment: Deployment, nginx_port: int, work: Path, key: Path,
                  site: str) -> Path:
    ports = iter(deployment.web_ports)
    site = re.sub(r"127\.0\.0\.1:800\d", lambda _m: f"127.0.0.1:{next(ports)}", site)
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{nginx_port} ssl;")
    site = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {deployment.cert};", site)
    site = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", site)
    (work / "site.conf").write_text(site)
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = work / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/nginx-error.log;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n  access_log {work}/nginx-access.log;\n"
        + "".join(f"  {kind}_temp_path {temp}/{kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  include {work}/site.conf;\n}}\n")
    return main


@contextmanager
def deployed(work: Path, **extra_env: str) -> Iterator[Deployment]:
    """Follow the guide: environment file, release steps, users, units, nginx."""
    nginx = find_nginx()
    blocks = guide_blocks()
    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_database())
        redis = stack.enter_context(own_redis())
        sandbox_port, nginx_port = free_port(), free_port()
        web_ports = [free_port(), free_port()]
        public_url = f"https://127.0.0.1:{nginx_port}"
        cert, key = self_signed_certificate(work)
        guide_env = env_file_entries(blocks["/etc/payouts-desk.env"])
        local = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url(REDIS_DB),
            "PAYMEGA_API_URL": f"http://127.0.0.1:{sandbox_port}",
            "PAYMEGA_PUBLIC_KEY": "pk_test_sandbox",
            "PAYMEGA_ACCOUNT_ID": "sandbox",
            "PAYMEGA_SECRET_KEY": "sk_test_sandbox",
            "PAYMEGA_CALLBACK_URL": f"{public_url}/callbacks/paymega",
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            **LOCAL_ONLY,
        }
        assert set(local) <= set(guide_env), set(local) - set(guide_env)
        file_env = {**guide_env, **local, **extra_env}
        env_file = work / "payouts-desk.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in file_env.items()))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work),
               "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", **file_env}
        deployment = Deployment(work, env, env_file, database_url, redis,
                                f"http://127.0.0.1:{sandbox_port}", web_ports, public_url, cert)

        sandbox_env = {**env, "REQUESTS_CA_BUNDLE": str(cert)}  # the provider trusts our TLS
        sandbox = _spawn([sys.executable, "-m", "webapp.sandbox", "--port", str(sandbox_port),
                          "--lifecycle-delay", "0.3"], sandbox_env, work / "sandbox.log")
        stack.callback(stop, sandbox)
        deployment.processes["sandbox"] = sandbox
        _wait_for(f"{deployment.sandbox_url}/_sandbox/stats", sandbox)

        release = blocks["release"].replace("/etc/payouts-desk.env", str(env_file))
        release = release.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", release], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300, check=False)
        deployment.release_output = done.stdout + done.stderr  # type: ignore[attr-defined]
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        deployment.python(USERS_SCRIPT, "olga", "max", "mia")

        for instance in (1, 2):
            stack.callback(lambda i=instance: _stop_unit(deployment, f"web{i}"))
            deployment.start_web(instance, wait=False)
        for instance in (1, 2):
            _wait_for(f"http://127.0.0.1:{web_ports[instance - 1]}/healthz",
                      deployment.processes[f"web{instance}"])
        stack.callback(lambda: _stop_unit(deployment, "worker"))
        deployment.start_worker()

        config = _nginx_config(deployment, nginx_port, work, key, blocks[
            "/etc/nginx/sites-enabled/payouts-desk.conf"])
        tested = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True,
                                text=True, timeout=30, check=False)
        assert tested.returncode == 0, tested.stderr
        proxy = _spawn([nginx, "-c", str(config), "-g", "daemon off;"], env,
                       work / "nginx.log")
        stack.callback(stop, proxy)
        deployment.processes["nginx"] = proxy
        _wait_for(f"{public_url}/healthz", proxy, verify=str(cert))
        yield deployment


def _stop_unit(deployment: Deployment, name: str) -> None:
    process = deployment.processes.get(name)
    if process is not None:
        stop(process)


SIGKILL, SIGTERM = signal.SIGKILL, signal.SIGTERM

# The users an operator and two managers (with a known authenticator, as the guide's
# `flask users create` plus enrolment would give them), in one process: the password hash is
# slow on purpose, and the machine is shared.
USERS_SCRIPT = """
import sys, time
import pyotp
from webapp import create_app
from webapp.auth import twofactor
from webapp.auth.services import find_user
from webapp.extensions import db
app = create_app()
runner = app.test_cli_runner()
past = time.time() - 3600
for name in sys.argv[1:]:
    role = "operator" if name == "olga" else "manager"
    done = runner.invoke(args=["users", "create", name, "--role", role, "--password-stdin"],
                         input=PASSWORD + "\\n")
    assert done.exit_code == 0, done.output
    if role == "manager":
        # Limits fail closed: the guide's "approval limits" step, here "any amount".
        done = runner.invoke(args=["users", "limit", name, "*", "none"])
        assert done.exit_code == 0, done.output
        with app.app_context():
            user = find_user(name)
            assert twofactor.enable(user, SECRET, pyotp.TOTP(SECRET).at(past), now=past)
            db.session.commit()
""".replace("PASSWORD", repr(PASSWORD)).replace("SECRET", repr(TOTP_SECRET))
