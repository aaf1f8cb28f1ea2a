"""A web worker loads only what serving pages needs: the heavy modules used by rare pages or
the CLI (openpyxl, segno, Alembic, the sandbox) load where they are used, keeping each
gunicorn worker's memory down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("openpyxl", "segno", "alembic", "flask_migrate", "webapp.sandbox")
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
