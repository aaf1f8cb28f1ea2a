"""`make bench` / `python -m bench`: every benchmark on loopback, a table on stdout and the same
rows as JSON in bench/results/latest.json. `--only` runs a subset, `--quick` fewer samples."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.common import Row, format_table
from bench.env import RESULTS

SECTIONS = ("overhead", "forms", "callbacks", "footprint", "batches", "pages", "throughput")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench")
ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated subset of: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter loads")
    parser.add_argument("--payouts", type=int, default=100_000,
                        help="payouts seeded for the page and throughput runs")
    parser.add_argument("--reseed", action="store_true", help="rebuild the seeded databases")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


class Sandbox:
    """The sandbox provider in its own process (as the real provider is not in ours)."""

    def __init__(self) -> None:
        from bench.throughput import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(RESULTS / "sandbox.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.sandbox", "--port", str(port),
             "--lifecycle-delay", "0.05"], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def postgres_available() -> str | None:
    """None when the bench database answers (created on first use), else why not."""
    try:
        ensure_database(POSTGRES_URL.rpartition("/")[2])
        engine = create_engine("postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1])
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def ensure_database(name: str) -> str:
    """The URL of database `name` on the bench's PostgreSQL server, created if missing."""
    base = POSTGRES_URL.rpartition("/")[0]
    engine = create_engine("postgresql+psycopg://" + base.split("://", 1)[1] + "/postgres",
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        known = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name})
        if known is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


def desk_database() -> str:
    """A PostgreSQL database next to the seeded one (its name + `_desk`), for payouts created
    during the run."""
    return ensure_database(POSTGRES_URL.rpartition("/")[2] + "_desk")


def http_desk_database(label: str) -> str:
    """An empty database for the HTTP creates: a fresh SQLite file, or the PostgreSQL one."""
    if label == "postgres":
        return desk_database()
    path = RESULTS / "http-desk.sqlite"
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _guarded(section: str, work: Callable[[], list[Row]]) -> list[Row]:
    """A failing benchmark becomes a row saying so; the others still run."""
    started = time.perf_counter()
    try:
        rows = work()
    except Exception as exc:
        rows = [Row(section, "FAILED", note=f"{type(exc).__name__}: {exc}"[:400])]
    print(f"  {section}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


def run_http(label: str, url: str, sandbox_url: str, quick: bool) -> list[Row]:
    """Issue 22's three rows, all through HTTP under gunicorn: list throughput against the
    floor, create against the provider called directly, worker RSS after both loads."""
    from bench.http_create import run_http_create
    from bench.targets import target_rows
    from bench.throughput import run_throughput

    rows = run_throughput(label, url, sandbox_url, 3 if quick else 10)
    created, create_rss = run_http_create(label, http_desk_database(label), sandbox_url,
                                          40 if quick else 200)
    return [*target_rows(label, rows, created, create_rss), *rows, *created]


def run(args: argparse.Namespace) -> list[Row]:
    from bench.callbacks import run_callbacks
    from bench.desk import fresh_desk
    from bench.env import build_app
    from bench.footprint import run_footprint
    from bench.form_building import run_forms
    from bench.overhead import run_overhead
    from bench.pages import run_pages

    quick = args.quick
    rows: list[Row] = []
    sandbox = Sandbox()
    try:
        pg_problem = None if args.no_postgres else postgres_available()
        desks = []
        if {"overhead", "callbacks"} & set(args.only):
            desks = [fresh_desk(sandbox.url, label="sqlite"),
                     fresh_desk(sandbox.url, "desk-full-sync", full_sync=True,
                                        label="sqlite-full-sync")]
            if not args.no_postgres and pg_problem is None:
                desks.append(fresh_desk(sandbox.url, database_url=desk_database(),
                                        label="postgres"))
        elif {"forms", "footprint"} & set(args.only):
            desks = [fresh_desk(sandbox.url, label="sqlite")]
        for desk in desks:
            if "overhead" in args.only or "callbacks" in args.only:
                rows += _guarded(f"1 overhead/{desk.label}", lambda desk=desk: run_overhead(
                    desk, (40 if quick else 300) if "overhead" in args.only else 20))
            if "callbacks" in args.only:
                rows += _guarded(f"6 callbacks/{desk.label}", lambda desk=desk: run_callbacks(
                    desk, 100 if quick else 400))
        if "forms" in args.only:
            rows += _guarded("2 form", lambda: run_forms(desks[0], 30 if quick else 200))
        if "footprint" in args.only:
            rows += _guarded("5 footprint", lambda: run_footprint(desks[0]))
        if "batches" in args.only:
            from bench.batch_rows import run_batches

            batch_db = (None, "sqlite") if args.no_postgres or pg_problem else (
                desk_database(), "postgres")
            rows += _guarded("7 batches", lambda: run_batches(
                sandbox.url, quick, database_url=batch_db[0], label=batch_db[1]))
        databases = [("sqlite", f"sqlite:///{RESULTS / 'pages-sqlite.sqlite'}")]
        if not args.no_postgres:
            if pg_problem is None:
                databases.append(("postgres", POSTGRES_URL))
            else:
                rows.append(Row("3 pages/postgres", "PostgreSQL",
                                note=f"not measured: {pg_problem}"))
        for label, url in databases:
            if "pages" in args.only:
                app = build_app(url, sandbox.url)
                rows += _guarded(f"3 pages/{label}", lambda app=app, label=label: run_pages(
                    app, label, args.payouts, 20 if quick else 100, args.reseed))
            if "throughput" in args.only:
                if "pages" not in args.only:  # the throughput runs need the seeded rows
                    from bench.seed import ensure_seeded

                    ensure_seeded(build_app(url, sandbox.url), args.payouts, args.reseed)
                rows += _guarded(f"4 throughput/{label}", lambda label=label, url=url:
                                 run_http(label, url, sandbox.url, quick))
    finally:
        sandbox.stop()
    return rows


HEADER = """Payouts desk benchmarks ({when}, {machine})
Items 0 (the three targets of issue 22), 4, the HTTP create of item 1 and the RSS use gunicorn
-w 2 with gunicorn.conf.py's production settings (gthread) on 127.0.0.1 with a signed-in
session; wrk -t2 -c8 loads the list and the floor in turns of 2 s, 10 pairs, in one run.
Items 1-3, 5 (bytes) and 6 also run in-process through Flask's test client (no network noise;
the sandbox in its own process over loopback HTTP). Apps run in production mode. Compare
ratios taken in one run, not absolute times (the machine is shared)."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"Running: {', '.join(args.only)}{' (quick)' if args.quick else ''}",
          file=sys.stderr, flush=True)
    rows = run(args)
    elapsed = time.perf_counter() - started
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(HEADER.format(when=when, machine=machine))
    print()
    # Grouped by item number (the desks run items 1 and 6 in turns); stable within an item.
    rows.sort(key=lambda r: r.section.split(" ", 1)[0])
    print(format_table(rows))
    print(f"\nTotal {elapsed:.0f} s. JSON: {args.json}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "when": when, "machine": machine, "quick": args.quick, "sections": args.only,
        "payouts": args.payouts, "seconds": round(elapsed, 1),
        "rows": [r.as_json() for r in rows],
    }, indent=2, default=str))
    return 1 if any(r.name == "FAILED" for r in rows) else 0


