"""Item 4 (and the RSS half of item 5): requests per second for the payouts list under
concurrent load, the desk against the floor (bench/floor_app.py), both under gunicorn with 2
workers on 127.0.0.1 and the production settings of gunicorn.conf.py (gthread, 4 threads: it is
read from the working directory), loaded by wrk in short turns for a bounded time."""

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


# The machine is shared: its speed swings 2-3x within seconds (wrk against the floor alone, 1 s
# windows: 170-510 req/s). Desk and floor take turns in short windows, many times, so both
# meet the fast and the slow moments; loading both at once was tried and let them interfere
# (through the one PostgreSQL server most of all).
WINDOW_SECONDS = 2


def _started(target: str, env: dict[str, str], log_name: str,
             username: str | None) -> tuple[Gunicorn, dict[str, str]]:
    """A server answering `/payouts/` with the seeded rows, and the headers to load it with."""
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
    except BaseException:
        server.stop()
        raise
    return server, headers


def _combined(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The windows of one side as one load: requests over time, the median window's latency."""
    middle = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
    return {"rps": sum(r["rps"] for r in results) / len(results),
            "requests": sum(r["requests"] for r in results),
            "non_2xx": sum(r["non_2xx"] for r in results),
            "p50_ms": middle["p50_ms"], "p99_ms": middle["p99_ms"],
            "windows_rps": [round(r["rps"], 1) for r in results]}


def _load_in_turns(env: dict[str, str], label: str, seconds: int
                   ) -> tuple[dict[str, Any], dict[str, Any], list[float], list[float], float]:
    """Desk and floor served side by side and loaded in turns, WINDOW_SECONDS each, `seconds`
    times (at least 5); the ratio is of all their requests (the pairs' own ratios swing with
    the machine, their spread goes into the note)."""
    desk, desk_headers = _started("wsgi:app", env, f"gunicorn-desk-{label}", "bench_auditor")
    try:
        floor, floor_headers = _started(
            "bench.floor_app:app", {"BENCH_FLOOR_DATABASE_URL": env["DATABASE_URL"]},
            f"gunicorn-floor-{label}", None)
        try:
            run_wrk(f"{desk.url}/payouts/", 2, desk_headers)  # warm-up: both workers touched
            run_wrk(f"{floor.url}/payouts/", 2, floor_headers)
            warm = desk.worker_rss_mb()
            desk_runs, floor_runs = [], []
            for _ in range(max(5, seconds)):
                desk_runs.append(run_wrk(f"{desk.url}/payouts/", WINDOW_SECONDS, desk_headers))
                floor_runs.append(run_wrk(f"{floor.url}/payouts/", WINDOW_SECONDS,
                                          floor_headers))
            ratios = sorted(d["rps"] / f["rps"] for d, f in zip(desk_runs, floor_runs,
                                                                 strict=True) if f["rps"])
            desk_result, floor_result = _combined(desk_runs), _combined(floor_runs)
            desk_result["pair_ratios"] = [round(r, 3) for r in ratios]
            desk_result["rss_after_load_mb"] = [round(r, 1) for r in desk.worker_rss_mb()]
            desk_result["pss_after_load_mb"] = [
                round(r, 1) for r in desk.worker_rss_mb("Pss", "smaps_rollup")]
            floor_rss = floor.worker_rss_mb()
        finally:
            floor.stop()
    finally:
        desk.stop()
    ratio = desk_result["rps"] / floor_result["rps"] if floor_result["rps"] else 0.0
    return desk_result, floor_result, warm, floor_rss, ratio


def run_throughput(label: str, database_url: str, sandbox_url: str, seconds: int) -> list[Row]:
    section = f"4 throughput/{label}"
    if shutil.which("wrk") is None:
        return [Row(section, "wrk", note="not measured: wrk is not installed "
                    "(apt-get install -y wrk)")]
    desk, floor, desk_rss, floor_rss, ratio = _load_in_turns(
        settings_env(database_url, sandbox_url), label, seconds)
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
            note=f"wrk -t2 -c8, desk and floor in turns of {WINDOW_SECONDS} s, "
                 f"{len(desk['windows_rps'])} pairs, "
                 f"gunicorn -w {WORKERS} with gunicorn.conf.py (gthread); ratio of all "
                 f"requests; the pairs' ratios ranged {min(desk['pair_ratios'], default=0):.2f}-"
                 f"{max(desk['pair_ratios'], default=0):.2f}; "
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
