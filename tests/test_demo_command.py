"""The README's run command: migrations, demo users, sandbox, worker and web app come up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from webapp.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parent.parent
OPERATOR_PASSWORD = next(p for name, p, _roles in DEMO_USERS if name == "operator")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_demo_starts_with_users_sandbox_and_worker(tmp_path: Path) -> None:
    web, sandbox = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMEGA_", "APP_MODE"))}
    env.update(PORT=str(web), SANDBOX_PORT=str(sandbox),
               DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite'}")
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.demo"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{web}/login", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{web}/login", timeout=5)
        assert page.status_code == 200
        token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        signed_in = session.post(f"http://127.0.0.1:{web}/login", timeout=10, data={
            "csrf_token": token, "username": "operator", "password": OPERATOR_PASSWORD})
        assert signed_in.status_code == 200 and "/login" not in signed_in.url
        prerequest = requests.post(f"http://127.0.0.1:{sandbox}/payout-prerequest", timeout=5,
                                   json={"currency": "USD", "amount": 10,
                                         "public_key": "pk_test_sandbox"})
        assert prerequest.status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "Demo users" in output
    for name in ("operator", "manager", "admin", "admin2", "auditor"):
        assert f"  {name} " in output
    assert "sync_pass_task" in output  # the background worker started beside the web app
