"""Item 4 (and the RSS half of item 5): requests per second for the payouts list under
concurrent load, the desk against the floor (bench/floor_app.py), both under gunicorn with 2
sync workers on 127.0.0.1, loaded by wrk for a bounded time."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import Row, verdict
from bench.env import PASSWORD, RESULTS, csrf_from, settings_env

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
THROUGHPUT_TARGET = 0.5
RSS_TARGET_MB = 100.0
USER_AGENT = "payouts-desk-bench"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """A gunicorn master with 2 workers serving `target`, stopped by its pid on exit."""

    def __init__(self, target: str, env: dict[str, str], log_name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(RESULTS / f"{log_name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "60", target],
            cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited, see {self.log.name}")
            try:
                requests.get(self.url + path, timeout=30, allow_redirects=False)
                return
            except (requests.ConnectionError, requests.Timeout):  # workers still booting
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def worker_rss_mb(self, field: str = "VmRSS", source: str = "status") -> list[float]:
        """`VmRSS` from status, or `Pss` from smaps_rollup (shared pages split between the
        processes that share them)."""
        sizes = []
        for pid in self.worker_pids():
            text = Path(f"/proc/{pid}/{source}").read_text()
            match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def login_cookie(url: str, username: str) -> str:
    """Sign in over HTTP as a browser would; returns the Cookie header value. The cookie is
    marked Secure in production, so it is carried by hand over plain-HTTP loopback."""
    headers = {"User-Agent": USER_AGENT}
    page = requests.get(f"{url}/login", headers=headers, timeout=10)
    cookie = page.cookies.get("session")
    answer = requests.post(
        f"{url}/login", data={"username": username, "password": PASSWORD,
                              "csrf_token": csrf_from(page.text) or ""},
        headers={**headers, "Cookie": f"session={cookie}"}, allow_redirects=False, timeout=10)
    if answer.status_code != 303 or "session" not in answer.cookies:
        raise RuntimeError(f"login over HTTP failed: {answer.status_code}")
    return f"session={answer.cookies['session']}"


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, seconds: int, headers: dict[str, str]) -> dict[str, Any]:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True,
                         timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    latency = {p: _ms(v, u) for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)\b", out)}
    return {"rps": rps, "requests": total, "non_2xx": int(bad.group(1)) if bad else 0,
            "p50_ms": latency.get("50"), "p99_ms": latency.get("99")}


def _serve_and_load(target: str, env: dict[str, str], log_name: str, seconds: int,
                    username: str | None) -> tuple[dict[str, Any], list[float]]:
    server = Gunicorn(target, env, log_name)
    try:
        server.wait_ready("/login")
        headers = {"User-Agent": USER_AGENT}
        if username:
            headers["Cookie"] = login_cookie(server.url, username)
        check = requests.get(f"{server.url}/payouts/", headers=headers, timeout=10,
                             allow_redirects=False)
        if check.status_code != 200 or "bench_service_" not in check.text:
            raise RuntimeError(f"{target}: /payouts/ answered {check.status_code} "
                               "without the seeded rows")
        run_wrk(f"{server.url}/payouts/", 2, headers)  # warm-up: both workers touched
        warm = server.worker_rss_mb()
        result = run_wrk(f"{server.url}/payouts/", seconds, headers)
        result["rss_after_load_mb"] = [round(r, 1) for r in server.worker_rss_mb()]
        result["pss_after_load_mb"] = [round(r, 1)
                                       for r in server.worker_rss_mb("Pss", "smaps_rollup")]
        return result, warm
    finally:
        server.stop()


def run_throughput(label: str, database_url: str, sandbox_url: str, seconds: int) -> list[Row]:
    section = f"4 throughput/{label}"
    if shutil.which("wrk") is None:
        return [Row(section, "wrk", note="not measured: wrk is not installed "
                    "(apt-get install -y wrk)")]
    desk, desk_rss = _serve_and_load("wsgi:app", settings_env(database_url, sandbox_url),
                                     f"gunicorn-desk-{label}", seconds, "bench_auditor")
    floor, floor_rss = _serve_and_load("bench.floor_app:app",
                                       {"BENCH_FLOOR_DATABASE_URL": database_url},
                                       f"gunicorn-floor-{label}", seconds, None)
    ratio = desk["rps"] / floor["rps"] if floor["rps"] else 0.0
    after = desk["rss_after_load_mb"]
    rss = max(after) if after else 0.0
    return [
        Row(section, "floor: bare Flask + 1 raw SQL + Jinja table", floor["p50_ms"],
            floor["p99_ms"], floor["requests"], result=f"{floor['rps']:.0f} req/s",
            values={**floor, "worker_rss_mb": [round(r, 1) for r in floor_rss]}),
        Row(section, "desk: GET /payouts/ (auditor, full page)", desk["p50_ms"],
            desk["p99_ms"], desk["requests"],
            result=f"{desk['rps']:.0f} req/s = {ratio:.0%} of floor",
            target=f">= {THROUGHPUT_TARGET:.0%} of floor", verdict=verdict(
                ratio >= THROUGHPUT_TARGET and desk["non_2xx"] == 0),
            values={**desk, "ratio": round(ratio, 3)},
            note=f"wrk -t2 -c8 -d{seconds}s, gunicorn -w {WORKERS} (sync); "
                 f"non-2xx: desk {desk['non_2xx']}, floor {floor['non_2xx']}"),
        Row("5 footprint", f"RSS per desk worker after load ({label})",
            result=" / ".join(f"{r:.0f} MB" for r in after),
            target=f"<= {RSS_TARGET_MB:.0f} MB", verdict=verdict(rss <= RSS_TARGET_MB),
            values={"desk_mb": [round(r, 1) for r in desk_rss],
                    "floor_mb": [round(r, 1) for r in floor_rss]},
            note="VmRSS of each gunicorn worker after the measured load; after the 2 s warm-up: "
                 + " / ".join(f"{r:.0f} MB" for r in desk_rss)
                 + "; floor workers: " + " / ".join(f"{r:.0f} MB" for r in floor_rss)),
    ]
