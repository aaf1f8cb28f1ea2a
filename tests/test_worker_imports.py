"""A web worker loads only what serving pages needs: the heavy modules used by rare pages, by
encryption or by the CLI (openpyxl, segno, cryptography, Alembic, the sandbox) load where they
are used, keeping each gunicorn worker's memory down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("openpyxl", "segno", "cryptography", "alembic", "flask_migrate", "webapp.sandbox")
PROBE = """
import json, sys
import wsgi
client = wsgi.app.test_client()
client.get("/login")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy} or m in {heavy})))
"""


def test_serving_pages_loads_no_heavy_module(tmp_path):
    env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": "k" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}",
           "PAYMEGA_API_URL": "http://127.0.0.1:9", "PAYMEGA_PUBLIC_KEY": "pk_test_x",
           "PAYMEGA_ACCOUNT_ID": "acc", "PAYMEGA_SECRET_KEY": "sk_test_x",
           "METRICS_TOKEN": "m" * 32, "PYTHONPATH": str(ROOT),
           "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega"}
    env.pop("REDIS_URL", None)
    probe = PROBE.format(heavy=set(HEAVY))
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_the_cli_still_has_the_migration_commands(tmp_path):
    env = {**os.environ, "APP_MODE": "demo",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}"}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run([str(flask), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    current = subprocess.run([str(flask), "--app", "wsgi", "db", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stderr[-2000:]


MEMORY_PROBE = """
import re
from webapp import create_app
from webapp.auth.passwords import hash_password, verify_password
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
app = create_app()
before = rss()
stored = hash_password("a long enough passphrase")
for _ in range(5):
    assert verify_password(stored, "a long enough passphrase")
print(rss() - before)
"""


def test_password_checks_give_their_memory_back(tmp_path):
    """Each Argon2id check takes 19 MiB of scratch memory; a worker must not keep it."""
    env = {**os.environ, "APP_MODE": "demo", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}"}
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    grown_mb = float(out.strip().splitlines()[-1])
    assert grown_mb < 8, f"{grown_mb:.1f} MB kept after five password checks"


DRIVER_PROBE = """
import json, os, sys
from webapp import create_app, queue
app = create_app()
loaded = sorted(m for m in ("psycopg", "redis") if m in sys.modules)
redis_url = os.environ.get("PROBE_REDIS_URL")
pending = None
if redis_url:  # a second app in the same process asks for the Redis queue
    second = create_app({"REDIS_URL": redis_url})
    queue.queued.storage.flush_queue()
    with second.app_context():
        probe = queue.job()(print)
        queue.queued.enqueue(probe.queued.s("queued"))
    pending = queue.pending_count()
    queue.queued.storage.flush_queue()
print(json.dumps({"loaded": loaded, "pending": pending}))
"""


def _probe_drivers(tmp_path: Path, **extra: str) -> dict:
    env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": "k" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite'}",
           "TASK_QUEUE_PATH": str(tmp_path / "queue.sqlite"),
           "PAYMEGA_API_URL": "http://127.0.0.1:9", "PAYMEGA_PUBLIC_KEY": "pk_test_x",
           "PAYMEGA_ACCOUNT_ID": "acc", "PAYMEGA_SECRET_KEY": "sk_test_x",
           "METRICS_TOKEN": "m" * 32, "PYTHONPATH": str(ROOT),
           "PAYMEGA_CALLBACK_URL": "https://desk.example.test/callbacks/paymega", **extra}
    env.pop("REDIS_URL", None)
    out = subprocess.run([sys.executable, "-c", DRIVER_PROBE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_sqlite_desk_loads_neither_database_nor_redis_driver(tmp_path: Path) -> None:
    """The task queue's library would load both drivers (15 MB a worker) just because they are
    installed; a SQLite deployment without Redis needs neither."""
    assert _probe_drivers(tmp_path) == {"loaded": [], "pending": None}


def test_the_redis_queue_still_works_after_the_queue_loaded_without_redis(
        tmp_path: Path) -> None:
    """An app with REDIS_URL created after one without it (same process) queues into Redis."""
    found = _probe_drivers(tmp_path, PROBE_REDIS_URL="redis://127.0.0.1:6379/5")
    assert found == {"loaded": [], "pending": 1}
