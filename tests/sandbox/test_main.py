"""`python -m webapp.sandbox` runs standalone and takes its credentials from the environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_standalone_sandbox_uses_env_credentials() -> None:
    port = free_port()
    env = {**os.environ, "SANDBOX_PUBLIC_KEY": "pk_test_from_env",
           "SANDBOX_SECRET_KEY": "sk_test_from_env",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.sandbox", "--port", str(port), "--account-id", "acct"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.post(f"{url}/payout-prerequest", timeout=2, json={
                    "currency": "USD", "amount": 5, "public_key": "pk_test_from_env"})
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.05)
        assert answer.status_code == 200
        assert "test_usd" in answer.json()["data"]["services"]
        listed = requests.get(f"{url}/payout-services", auth=("acct", "sk_test_from_env"),
                              timeout=2)
        assert listed.status_code == 200
        default = requests.get(f"{url}/payout-services", auth=("sandbox", "sk_test_sandbox"),
                               timeout=2)
        assert default.status_code == 401
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"listening on {url}" in out
