"""A reconciliation run over many provider invoices: time and peak memory, printed as a table.

    .venv/bin/python -m bench.reconciliation_run                  # 5,000 and 50,000 invoices
    .venv/bin/python -m bench.reconciliation_run --counts 50000 --database-url postgresql://…

Each count runs in a fresh process (so its peak RSS is its own) against a standalone sandbox
in another process, holding that many invoices made outside the desk; the desk knows half of
them (payouts inserted directly, matched by reference_id), so the run records the other half
as "unknown at the desk". Peak memory is given twice: the Python heap's peak during the run
(tracemalloc) and the process's peak RSS. Bounded memory shows as a peak that does not grow
with the count. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-outside"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_sandbox() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "webapp.sandbox", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.post(f"{url}/_sandbox/reset", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the sandbox did not start")


def _seed_desk(app: object, count: int) -> None:
    """Half of the provider's invoices known at the desk, inserted in bulk."""
    from bench.env import create_schema, ensure_users
    from webapp.extensions import db
    from webapp.models import Payout

    create_schema(app)  # type: ignore[arg-type]
    users = ensure_users(app)  # type: ignore[arg-type]
    with app.app_context():  # type: ignore[attr-defined]
        rows = [{
            "reference_id": f"{PREFIX}-{seq}", "status": "awaiting_approval",
            "amount": Decimal("10.00"), "currency": "USD", "service_code": "test_usd",
            "service_snapshot": {"code": "test_usd", "currency": "USD"},
            "fields_masked": {"account": "4242"}, "fields_encrypted": "-",
            "created_by_id": users["bench_operator"], "provider_status": "created",
            "submission_token": str(uuid.uuid4()),
        } for seq in range(2, count + 1, 2)]
        for start in range(0, len(rows), 5000):
            db.session.execute(db.insert(Payout), rows[start:start + 5000])
        db.session.commit()


def measure_one(count: int, database_url: str | None) -> dict[str, float]:
    """In this process: seed, run once, and report time and memory."""
    from bench.env import build_app
    from webapp.models import ReconciliationRun
    from webapp.models.base import utcnow
    from webapp.reconciliation import runner

    sandbox, url = _start_sandbox()
    folder = tempfile.mkdtemp(prefix="bench-recon-")
    try:
        answer = requests.post(f"{url}/_sandbox/invoices", json={
            "count": count, "reference_prefix": PREFIX}, timeout=600)
        answer.raise_for_status()
        app = build_app(database_url or f"sqlite:///{folder}/desk.sqlite", url)
        _seed_desk(app, count)
        with app.app_context():
            start, end = runner.day_bounds(utcnow())
            run = runner.create_run(start, end, requested_by_id=None)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            began = time.perf_counter()
            runner.execute(run.id)
            seconds = time.perf_counter() - began
            _current, heap_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            done = app.extensions["sqlalchemy"].session.get(ReconciliationRun, run.id)
            return {"count": count, "seconds": seconds, "pages": done.pages,
                    "invoices": done.invoices_seen, "differences": done.differences,
                    "heap_peak_mb": heap_peak / 2**20, "rss_before_mb": rss_before / 1024,
                    "rss_peak_mb": rss_peak / 1024, "status": done.status}
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="5000,50000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(measure_one(args.one, args.database_url)))
        return 0
    results = []
    for count in (int(c) for c in args.counts.split(",")):
        command = [sys.executable, "-m", "bench.reconciliation_run", "--one", str(count)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode != 0:
            print(f"{count:,} invoices: failed\n{out.stderr[-3000:]}", file=sys.stderr)
            return 1
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    database = "postgresql" if args.database_url else "sqlite"
    print(f"reconciliation run, desk on {database} (heap: tracemalloc peak during the run; "
          "RSS: the process's peak)")
    header = ("invoices", "pages", "differences", "seconds", "invoices/s", "heap peak MB",
              "RSS before MB", "RSS peak MB", "status")
    print(" | ".join(header))
    for r in results:
        print(" | ".join([f"{r['invoices']:,}", str(r["pages"]), f"{r['differences']:,}",
                          f"{r['seconds']:.1f}", f"{r['invoices'] / r['seconds']:.0f}",
                          f"{r['heap_peak_mb']:.1f}", f"{r['rss_before_mb']:.0f}",
                          f"{r['rss_peak_mb']:.0f}", r["status"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
