"""Item 1 through HTTP: the new-payout form posted to the desk under gunicorn (a signed-in
operator's cookie, the CSRF token of its page, a fresh submission token each time) until the
303 to the payout, against the same invoice posted straight to the sandbox, and against the
floor: the same form posted to a bare Flask app under the same gunicorn settings that only
commits a row, calls the sandbox and commits its answer (bench/floor_create_app.py). The
three are interleaved so all see the same machine. The desk runs on a fresh database of its
own (the creates would otherwise change the seeded one)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import requests
from flask import Flask

from bench.common import Row, Samples, verdict
from bench.env import (
    SANDBOX_ACCOUNT,
    build_app,
    create_schema,
    created_payout_id,
    csrf_from,
    ensure_users,
    settings_env,
    submission_token,
)
from bench.floor_create_app import create_table
from bench.overhead import OVERHEAD_TARGET_MS, direct_body, form_post
from bench.throughput import USER_AGENT, Gunicorn, login_cookie


def _prepare(database_url: str, sandbox_url: str) -> tuple[Flask, int]:
    """A fresh schema with the bench users; the app (same secret key as the server's) mints
    the operator's submission tokens."""
    app = build_app(database_url, sandbox_url)
    create_schema(app)
    operator_id = ensure_users(app)["bench_operator"]
    from webapp.extensions import db

    with app.app_context():
        db.engine.dispose()
    return app, operator_id


def run_http_create(label: str, database_url: str, sandbox_url: str, n: int
                    ) -> tuple[list[Row], list[float]]:
    """Rows for the HTTP create, and the RSS (MB) of each desk worker after it."""
    section = f"1 overhead/{label}"
    app, operator_id = _prepare(database_url, sandbox_url)
    create_table(database_url)
    server = Gunicorn("wsgi:app", settings_env(database_url, sandbox_url),
                      f"gunicorn-create-{label}")
    floor: Gunicorn | None = None
    try:
        floor = Gunicorn("bench.floor_create_app:app",
                         {**settings_env(database_url, sandbox_url),
                          "BENCH_FLOOR_DATABASE_URL": database_url},
                         f"gunicorn-floor-create-{label}")
        server.wait_ready("/login")
        floor.wait_ready("/")
        cookie = login_cookie(server.url, "bench_operator")
        headers = {"User-Agent": USER_AGENT, "Cookie": cookie}
        desk = requests.Session()
        direct = requests.Session()
        page = desk.get(f"{server.url}/payouts/new", headers=headers, timeout=10)
        token = csrf_from(page.text)
        if "session" in page.cookies:  # the page put its CSRF secret into the session
            headers["Cookie"] = f"session={page.cookies['session']}"
        if page.status_code != 200 or not token:
            raise RuntimeError(f"/payouts/new answered {page.status_code} without a CSRF token")

        def through_desk() -> float:
            body = {**form_post(submission_token(app, operator_id)), "csrf_token": token}
            started = time.perf_counter()
            answer = desk.post(f"{server.url}/payouts/new", data=body, headers=headers,
                               allow_redirects=False, timeout=10)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 303:
                raise RuntimeError(f"create through the desk answered {answer.status_code}: "
                                   f"{answer.text[:300]}")
            created_payout_id(answer.headers.get("Location", ""))
            return elapsed

        floor_http = requests.Session()

        def through_floor() -> float:
            started = time.perf_counter()
            answer = floor_http.post(f"{floor.url}/payouts/new", data=form_post("-"),
                                     allow_redirects=False, timeout=10)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 303:
                raise RuntimeError(f"create through the floor answered {answer.status_code}")
            return elapsed

        def straight() -> float:
            started = time.perf_counter()
            answer = direct.post(f"{sandbox_url}/payout-invoices", json=direct_body(),
                                 auth=SANDBOX_ACCOUNT, timeout=10)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 201:
                raise RuntimeError(f"direct create answered {answer.status_code}")
            return elapsed

        for _ in range(10):  # all workers warm: imports, pre-request cache, connections
            through_desk()
            through_floor()
            straight()
        desk_ms: list[float] = []
        floor_ms: list[float] = []
        direct_ms: list[float] = []
        deadline = time.monotonic() + 90
        while len(desk_ms) < n and (time.monotonic() < deadline or len(desk_ms) < 20):
            desk_ms.append(through_desk())
            floor_ms.append(through_floor())
            direct_ms.append(straight())
        rss = server.worker_rss_mb()
    finally:
        server.stop()
        if floor is not None:
            floor.stop()
    a, f, b = Samples(desk_ms), Samples(floor_ms), Samples(direct_ms)
    extra = a.median - b.median
    floor_extra = f.median - b.median
    return [
        Row(section, "create over HTTP: sandbox POST /payout-invoices direct",
            round(b.median, 3), round(b.p99, 3), len(b.ms)),
        Row(section, "create over HTTP: floor, bare Flask: commit, call, commit -> 303",
            round(f.median, 3), round(f.p99, 3), len(f.ms),
            result=f"+{floor_extra:.2f} ms (x{f.median / b.median:.2f})",
            values={"overhead_ms": round(floor_extra, 3), "floor_ms": _summary(f)},
            note="bench/floor_create_app.py under the same gunicorn settings: raw SQL, no "
                 "login, session, CSRF, forms, audit or duplicate check; WAL + "
                 "synchronous=NORMAL on SQLite, the answer's commit asynchronous on "
                 "PostgreSQL, as in the desk"),
        Row(section, "create over HTTP: form POST to gunicorn desk -> 303",
            round(a.median, 3), round(a.p99, 3), len(a.ms),
            result=f"+{extra:.2f} ms (x{a.median / b.median:.2f})",
            target=f"+<= {OVERHEAD_TARGET_MS:.0f} ms median", verdict=verdict(
                extra <= OVERHEAD_TARGET_MS),
            values={"overhead_ms": round(extra, 3), "desk_ms": _summary(a),
                    "direct_ms": _summary(b), "floor_overhead_ms": round(floor_extra, 3),
                    "over_floor_ms": round(a.median - f.median, 3),
                    "rss_mb": [round(r, 1) for r in rss]},
            note=f"gunicorn -w 2 (gunicorn.conf.py: gthread) on 127.0.0.1, signed-in "
                 f"operator, {len(a.ms)} interleaved rounds of desk, floor and direct; desk worker "
                 f"RSS after: "
                 + " / ".join(f"{r:.0f} MB" for r in rss)),
    ], rss


def _summary(samples: Samples) -> dict[str, Any]:
    ordered = sorted(samples.ms)
    return {"median": round(samples.median, 3), "p99": round(samples.p99, 3),
            "p25": round(ordered[len(ordered) // 4], 3),
            "mean": round(statistics.fmean(ordered), 3)}
