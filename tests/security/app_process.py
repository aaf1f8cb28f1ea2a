"""The app in its own process on a loopback port, for measuring that process's memory
(`/proc/<pid>/status`): growth within a test process would mix in pytest's own allocations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.production.cluster import free_port, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import json, sys
from werkzeug.serving import make_server
from tests.conftest import app_settings
from webapp import create_app
settings = json.loads(sys.argv[1])
app = create_app(app_settings(settings["db"], settings["sandbox"], RATELIMIT_ENABLED=False))
make_server("127.0.0.1", settings["port"], app, threaded=False).serve_forever()
"""


@dataclass
class AppProcess:
    url: str
    pid: int

    def status(self, key: str) -> int:
        """A `/proc/<pid>/status` figure in bytes (VmRSS: now; VmHWM: peak since reset)."""
        text = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        assert match, key
        return int(match.group(1)) * 1024

    def reset_peak(self) -> None:
        """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")


@contextmanager
def app_process(database_url: str, sandbox_url: str) -> Iterator[AppProcess]:
    port = free_port()
    settings = json.dumps({"db": database_url, "sandbox": sandbox_url, "port": port})
    process = subprocess.Popen([sys.executable, "-c", SERVE, settings], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/login", process)
        yield AppProcess(url, process.pid)
    finally:
        stop(process)


def signed_in_session(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page[:500]
    answer = session.post(f"{url}/login", data={"username": username, "password": password,
                                                "csrf_token": token.group(1)},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text[:300]
    page = session.get(f"{url}/", timeout=10).text  # signing in starts a new session
    fresh = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert fresh, page[:500]
    session.headers["X-CSRFToken"] = fresh.group(1)
    return session
