"""Two app instances (separate gunicorn processes on separate ports) on one PostgreSQL and one
Redis behave as one desk: a session from one works on the other, two managers approving the
same payout through different instances cause one process call, and login throttling counts
attempts made on either.

Runs on every `make test` whatever TEST_DATABASE_URL says: it brings its own PostgreSQL
database and Redis database (tests/production/cluster.py) and removes them afterwards.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.production.cluster import Browser, Cluster, running_cluster

HIDDEN = re.compile(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    log_dir = tmp_path_factory.mktemp("cluster")
    try:
        with running_cluster(log_dir) as running:
            requests.post(f"{running.sandbox_url}/_sandbox/callbacks", json={"enabled": False},
                          timeout=5).raise_for_status()  # statuses by polling only, here
            yield running
    except BaseException:
        _print_logs(log_dir)
        raise


def _print_logs(log_dir: Path) -> None:
    for log in sorted(log_dir.glob("*.log")):
        print(f"--- {log.name} (last lines) ---")
        print("\n".join(log.read_text(errors="replace").splitlines()[-40:]))


def test_the_deployment_checks_pass_and_both_instances_are_ready(cluster: Cluster) -> None:
    done = cluster.flask("check")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines and all(line.startswith("ok: ") for line in lines), lines
    assert any("postgresql" in line for line in lines)
    assert any("Redis answers" in line for line in lines)
    for base in cluster.instances:
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_a_session_from_one_instance_works_on_the_other(cluster: Cluster) -> None:
    first, second = cluster.instances
    on_a = Browser(first)
    assert on_a.sign_in("olga").status_code == 303
    on_b = on_a.at(second)
    page = on_b.get("/payouts/")
    assert page.status_code == 200, page.headers.get("Location")
    assert "olga" in page.text
    # Signing out on B ends the session everywhere: the token lives in the shared database.
    assert on_b.post("/logout").status_code == 303
    stale = Browser(first)
    stale.cookies = dict(on_a.cookies)
    answer = stale.get("/payouts/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


ACCOUNTS = itertools.count(1234567)  # one recipient per payout: no duplicate warning


def _create_payout(operator: Browser) -> int:
    form = operator.get("/payouts/new?currency=USD&amount=10&service=test_usd").text
    values = dict(HIDDEN.findall(form))
    data = {k: values[k] for k in ("currency", "service", "submission_token")}
    # "Create payout" on the review step (the amount is a visible field of the form).
    answer = operator.post("/payouts/new", {**data, "amount": "10", "action": "create",
                                            "field__account": str(next(ACCOUNTS))})
    assert answer.status_code == 303, answer.text[-2000:]
    found = re.search(r"/payouts/(\d+)$", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def test_two_managers_on_two_instances_cause_one_process_call(cluster: Cluster) -> None:
    first, second = cluster.instances
    operator = Browser(first)
    assert operator.sign_in("olga").status_code == 303
    payout_id = _create_payout(operator)
    managers = [Browser(first), Browser(second)]
    fingerprints = []
    for browser, name in zip(managers, ("max", "mia"), strict=True):
        assert browser.sign_in(name).status_code == 303
        page = browser.get(f"/payouts/{payout_id}")
        assert page.status_code == 200
        found = re.search(r'name="fingerprint" value="([^"]+)"', page.text)
        assert found, "the payout page offers no approval"
        fingerprints.append(found.group(1))
    before = sum(cluster.sandbox_stats()["process_requests"].values())
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def approve(browser: Browser, fingerprint: str) -> None:
        barrier.wait()
        codes.append(browser.post(f"/approvals/{payout_id}/approve",
                                  {"fingerprint": fingerprint}).status_code)

    threads = [threading.Thread(target=approve, args=pair)
               for pair in zip(managers, fingerprints, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [303, 303]
    stats = cluster.sandbox_stats()
    assert sum(stats["process_requests"].values()) - before == 1
    [(requests_made, approved_by)] = cluster.sql(
        "SELECT process_requests, approved_by_id FROM payouts WHERE id = %s", payout_id)
    assert requests_made == 1 and approved_by is not None


def test_login_throttling_counts_across_both_instances(cluster: Cluster) -> None:
    first, second = cluster.instances
    for attempt in range(5):  # A, B, A, B, A: five failures in all, none enough alone
        browser = Browser(first if attempt % 2 == 0 else second)
        answer = browser.sign_in("tess", password="wrong-password-" + str(attempt))
        assert answer.status_code == 200, attempt
    for base in (second, first):
        locked = Browser(base).sign_in("tess")  # the right password, but the name is locked
        assert locked.status_code == 429, base


def test_metrics_are_exported_and_protected(cluster: Cluster) -> None:
    first = cluster.instances[0]
    operator = Browser(first)
    assert operator.sign_in("olga").status_code == 303
    _create_payout(operator)
    assert requests.get(f"{first}/metrics", timeout=10).status_code == 404
    wrong = requests.get(f"{first}/metrics", headers={"Authorization": "Bearer nope"},
                         timeout=10)
    assert wrong.status_code == 401
    token = cluster.env["METRICS_TOKEN"]
    text = requests.get(f"{first}/metrics", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).text
    payouts = dict(re.findall(r'^payouts_desk_payouts\{status="(\w+)"\} ([0-9.]+)$', text,
                              re.M))
    assert sum(float(v) for v in payouts.values()) == len(cluster.sql("SELECT id FROM payouts"))
    assert re.search(r"^payouts_desk_queue_pending [0-9.]+$", text, re.M)
    # Created on instance A (two gunicorn workers, summed in multiprocess mode).
    assert re.search(r'^payouts_desk_provider_request_duration_seconds_count\{'
                     r'endpoint="/payout-invoices",method="POST"\} [1-9]', text, re.M), text


def test_logs_are_json_lines_tied_together_by_the_request_id(cluster: Cluster) -> None:
    first = cluster.instances[0]
    request_id = "probe-" + uuid.uuid4().hex
    answer = requests.get(f"{first}/readyz", headers={"X-Request-Id": request_id}, timeout=10)
    assert answer.headers["X-Request-Id"] == request_id
    unsafe = requests.get(f"{first}/healthz", headers={"X-Request-Id": "a b <forged>"},
                          timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-Id"])
    log = cluster.log_dir / "web-0.log"
    deadline = time.monotonic() + 5
    while request_id not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    [access] = [r for r in records if r["logger"] == "gunicorn.access"
                and f"request_id={request_id}" in r["message"]]
    assert "GET /readyz" in access["message"]
