"""docs/deploy.md works as written: deployed from the guide's own files and commands (see
tests/production/deployment.py), a person signs in through nginx over TLS, creates a payout,
a manager approves it, and the provider's callbacks (back through nginx) and the worker bring
it to its final status. The guide's timeouts are checked against each other."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.production.deployment import (
    Deployment,
    TlsBrowser,
    deployed,
    env_file_entries,
    guide_blocks,
    unit_settings,
)
from webapp.config import batch_lease_seconds, request_worst_case_seconds
from webapp.worker import SHUTDOWN_SECONDS

HIDDEN = re.compile(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"')
WEB_UNIT = "/etc/systemd/system/payouts-desk-web@.service"
WORKER_UNIT = "/etc/systemd/system/payouts-desk-worker.service"
NGINX_SITE = "/etc/nginx/sites-enabled/payouts-desk.conf"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("deploy")
    try:
        with deployed(work) as running:
            yield running
    except BaseException:
        for log in sorted(Path(work).glob("*.log")):
            print(f"--- {log.name} ---\n" + "\n".join(
                log.read_text(errors="replace").splitlines()[-40:]))
        raise


ACCOUNTS = itertools.count(7654321)  # one recipient per payout: no duplicate warning


def create_payout(operator: TlsBrowser, amount: str = "10") -> int:
    form = operator.get(f"/payouts/new?currency=USD&amount={amount}&service=test_usd")
    assert form.status_code == 200, form.status_code
    values = dict(HIDDEN.findall(form.text))
    data = {k: values[k] for k in ("currency", "service", "submission_token")}
    answer = operator.post("/payouts/new", {
        **data, "amount": amount, "field__account": str(next(ACCOUNTS)),
        "action": "create"})  # past the review step
    assert answer.status_code == 303, answer.text[-2000:]
    found = re.search(r"/payouts/(\d+)$", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def approve(manager: TlsBrowser, payout_id: int) -> requests.Response:
    page = manager.get(f"/payouts/{payout_id}")
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="fingerprint" value="([^"]+)"', page.text)
    assert found, "the payout page offers no approval"
    return manager.post(f"/approvals/{payout_id}/approve", {"fingerprint": found.group(1)})


def wait_for_status(deployment: Deployment, payout_id: int, status: str,
                    timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        [(current,)] = deployment.sql("SELECT status FROM payouts WHERE id = %s", payout_id)
        if current == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"payout {payout_id} still {current}, not {status}")


def test_the_release_steps_pass_the_checks(deployment: Deployment) -> None:
    output = deployment.release_output  # type: ignore[attr-defined]
    lines = [line for line in output.splitlines() if line.startswith(("ok: ", "warn: ",
                                                                         "FAIL: "))]
    assert lines and all(line.startswith("ok: ") for line in lines), lines
    assert "ok: translations compiled and current (ru, uk)" in lines
    assert any("postgresql" in line for line in lines)


def test_sign_in_payout_approval_and_final_status_through_nginx(deployment: Deployment
                                                                ) -> None:
    operator = deployment.browser()
    assert operator.sign_in("olga").status_code == 303  # CSRF referrer check passed: port kept
    payout_id = create_payout(operator)
    manager = deployment.browser()
    assert manager.sign_in("max").status_code == 303
    assert approve(manager, payout_id).status_code == 303
    wait_for_status(deployment, payout_id, "processed")
    page = operator.get(f"/payouts/{payout_id}")
    assert page.status_code == 200 and "rocessed" in page.text
    stats = deployment.sandbox_stats()
    assert stats["callbacks"]["delivered"] >= 1  # over TLS, through nginx, to an instance
    assert stats["callbacks"]["failed_attempts"] == 0
    assert sum(stats["process_requests"].values()) == 1
    [(reference,)] = deployment.sql("SELECT reference_id FROM payouts WHERE id = %s",
                                    payout_id)
    assert stats["create_requests"] == {reference: 1}
    applied = deployment.sql("SELECT count(*) FROM callback_logs WHERE payout_id = %s "
                             "AND outcome IN ('applied', 'no_change')", payout_id)
    assert applied[0][0] >= 1  # the worker applied them (queued on Redis by the instance)


def test_the_host_header_keeps_the_port_and_gunicorn_listens_on_loopback_only(
        deployment: Deployment) -> None:
    site = guide_blocks()[NGINX_SITE]
    assert "proxy_set_header Host $http_host;" in site and "$host;" not in site
    for port in deployment.web_ports:
        listening = Path("/proc/net/tcp").read_text()
        assert f"0100007F:{port:04X}" in listening  # 127.0.0.1:port
        assert f"00000000:{port:04X}" not in listening  # never 0.0.0.0:port
    # Each instance its own metrics directory, both written to.
    directories = sorted((deployment.work / "run").glob("payouts-desk-web-*/metrics"))
    assert len(directories) == 2 and all(any(d.iterdir()) for d in directories)


def test_the_worker_unit_runs_the_worker(deployment: Deployment) -> None:
    assert deployment.processes["worker"].poll() is None
    worker_log = (deployment.work / "worker.log").read_text()
    assert "huey" in worker_log.lower()


def test_the_guides_timeouts_hold_together() -> None:
    """The proxy waits longer than the slowest request, systemd longer than each graceful stop,
    the lease longer than one batch row."""
    blocks = guide_blocks()
    env = env_file_entries(blocks["/etc/payouts-desk.env"])
    connect, read = float(env["PAYMEGA_CONNECT_TIMEOUT"]), float(env["PAYMEGA_READ_TIMEOUT"])
    slowest = request_worst_case_seconds(connect, read)
    proxy_read = int(re.search(r"proxy_read_timeout (\d+)s;", blocks[NGINX_SITE]).group(1))
    assert proxy_read > slowest
    graceful = int(slowest) + 5  # gunicorn.conf.py's default
    web_stop = int(unit_settings(blocks[WEB_UNIT])["TimeoutStopSec"][0])
    assert web_stop > graceful
    worker_stop = int(unit_settings(blocks[WORKER_UNIT])["TimeoutStopSec"][0])
    assert worker_stop > SHUTDOWN_SECONDS
    lease = batch_lease_seconds(connect, read)
    assert lease > 6 * (connect + read)
    # The figures the guide prints are the formulas' own.
    text = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    assert f"{slowest} s" in text and f"{int(lease)} s" in text and f"{graceful} s" in text
