"""Chaos on the guide's deployment (tests/production/deployment.py): Redis killed while people
sign in, callbacks arrive and a batch is approved; PostgreSQL backends killed mid-traffic; the
worker killed mid-batch; a web instance killed mid-approve. People get working answers where
one is possible (never a 500), and at the provider every payout has exactly one invoice,
created once and processed once: counted over all invoices and every create and process
request the sandbox received.

Marked `chaos`: not part of `make test`; `.ci/run` runs it once, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from tests.production.deployment import (
    SIGKILL,
    SIGTERM,
    TEST_CONNECTION,
    Deployment,
    TlsBrowser,
    deployed,
)
from tests.production.test_deploy_guide import ACCOUNTS, HIDDEN, approve, create_payout

pytestmark = pytest.mark.chaos
LEASE_SECONDS = 15  # short, so a SIGKILLed worker's batch is taken over within the test
FINAL = ("processed",)

BATCH_SCRIPT = """
import sys
from decimal import Decimal
from webapp import create_app
from webapp.auth.services import find_user
from webapp.batches.services import create_batch, read_file, submit_batch
from webapp.payout_core.gateway import provider_client
count, start = int(sys.argv[1]), int(sys.argv[2])
rows = "".join(f"{start + n},10.00,Chaos {n},row {n}\\r\\n" for n in range(count))
data = ("account,amount,customer_name,description\\r\\n" + rows).encode()
app = create_app()
with app.test_request_context():
    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    report = read_file("chaos.csv", data, service, "USD", "en")
    olga = find_user("olga")
    batch = create_batch(olga, service, "USD", "chaos.csv", report, "en")
    assert submit_batch(batch, olga)
    print(batch.id)
"""


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("chaos")
    try:
        with deployed(work, BATCH_LEASE_SECONDS=str(LEASE_SECONDS)) as running:
            yield running
    except BaseException:
        for log in sorted(Path(work).glob("*.log")):
            print(f"--- {log.name} ---\n" + "\n".join(
                log.read_text(errors="replace").splitlines()[-60:]))
        raise


class Codes:
    """Every answer people got during a fault, by what they were doing."""

    def __init__(self) -> None:
        self.seen: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def add(self, action: str, code: int) -> int:
        with self.lock:
            self.seen.setdefault(action, []).append(code)
        return code

    def server_errors(self, allowed: tuple[int, ...] = ()) -> dict[str, list[int]]:
        """5xx answers but the `allowed` ones (503: "the database connection was interrupted
        after your change was saved"; 502: nginx, for requests inside a killed instance)."""
        def bad(code: int) -> bool:
            return code >= 500 and code not in allowed

        return {a: [c for c in codes if bad(c)] for a, codes in self.seen.items()
                if any(bad(c) for c in codes)}


def sign_in(deployment: Deployment, name: str) -> int:
    """A sign-in through nginx; a manager's authenticator code may be used once per 30 s
    step (the replay guard), so the test forgets the step used last, as if time had passed."""
    deployment.sql_write("UPDATE users SET totp_last_step = NULL WHERE username = %s", name)
    browser = deployment.browser()
    answer = browser.sign_in(name)
    deployment.last_browser = browser  # type: ignore[attr-defined]
    return answer.status_code


def signed_in(deployment: Deployment, name: str) -> TlsBrowser:
    code = sign_in(deployment, name)
    assert code == 303, (name, code)
    return deployment.last_browser  # type: ignore[attr-defined]


def make_batch(deployment: Deployment, rows: int, start: int) -> int:
    return int(deployment.python(BATCH_SCRIPT, str(rows), str(start)).strip())


def approve_batch(manager: TlsBrowser, batch_id: int) -> requests.Response:
    page = manager.get(f"/batches/{batch_id}")
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="fingerprint" value="([^"]+)"', page.text)
    assert found, "the batch page offers no approval"
    return manager.post(f"/batches/{batch_id}/approve", {"fingerprint": found.group(1)})


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               deployment: Deployment | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    details = deployment.sql(
        "SELECT id, status, provider_status, last_error, attempts, process_requests "
        "FROM payouts WHERE status <> 'processed' ORDER BY id") if deployment else ""
    raise AssertionError(f"not within {timeout} s: {what} {details}")


def statuses(deployment: Deployment, payout_ids: list[int]) -> dict[int, str]:
    return dict(deployment.sql("SELECT id, status FROM payouts WHERE id = ANY(%s)",
                               payout_ids))


def ready_for_approval(deployment: Deployment, payout_ids: list[int]) -> bool:
    """Waiting for a manager, with the provider's invoice known (a payout without one is
    refused as "not ready")."""
    return all(status == "awaiting_approval" and invoice is not None
               for status, invoice in deployment.sql(
                   "SELECT status, provider_invoice_id FROM payouts WHERE id = ANY(%s)",
                   payout_ids))


def batch_payouts(deployment: Deployment, batch_id: int) -> list[int]:
    return [row[0] for row in deployment.sql(
        "SELECT payout_id FROM batch_rows WHERE batch_id = %s AND payout_id IS NOT NULL",
        batch_id)]


def assert_paid_once(deployment: Deployment) -> dict[str, int]:
    """Over the whole deployment: one invoice per payout and per reference, created once,
    processed once; nothing at the provider without its payout and no payout without its
    invoice. Returns the totals for the report."""
    stats = deployment.sandbox_stats()
    payouts = deployment.sql("SELECT reference_id, provider_invoice_id, status FROM payouts")
    references = {reference for reference, _, _ in payouts}
    invoices = {invoice for _, invoice, _ in payouts}
    assert None not in invoices, "a payout without an invoice at the provider"
    assert stats["invoices"] == len(payouts) == len(invoices), (stats["invoices"],
                                                                len(payouts))
    assert set(stats["invoices_stored"]) == references
    assert all(count == 1 for count in stats["invoices_stored"].values())
    duplicated_creates = {r: n for r, n in stats["create_requests"].items() if n != 1}
    assert not duplicated_creates, duplicated_creates
    processed = stats["process_requests"]
    assert set(processed) == invoices, "every invoice processed, and only ours"
    assert all(count == 1 for count in processed.values()), processed
    assert all(status in FINAL for _, _, status in payouts), payouts
    return {"payouts": len(payouts), "invoices": stats["invoices"],
            "create_requests": sum(stats["create_requests"].values()),
            "process_requests": sum(processed.values())}


def all_final(deployment: Deployment) -> bool:
    return all(status in FINAL for (status,) in deployment.sql("SELECT status FROM payouts"))


# --- 1. Redis away ---------------------------------------------------------------------------

def test_redis_killed_during_sign_ins_callbacks_and_a_batch_approval(chaos: Deployment
                                                                     ) -> None:
    codes = Codes()
    operator, manager = signed_in(chaos, "olga"), signed_in(chaos, "max")
    second = signed_in(chaos, "mia")
    payouts = [create_payout(operator) for _ in range(3)]
    batch_id = make_batch(chaos, rows=5, start=3000001)

    chaos.redis.stop()
    try:
        for name in ("olga", "max", "mia", "olga"):  # before: POST /login was a 500
            codes.add("sign-in", sign_in(chaos, name))
        for port in chaos.web_ports:
            ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
            assert (ready.status_code, ready.json()) == (200, {"status": "degraded"})
        for payout_id in payouts:  # process → callbacks arrive while Redis is away
            codes.add("approve", approve_as_a_person(chaos, manager, payout_id, second))
        answer = approve_batch(manager, batch_id)
        codes.add("batch approve", answer.status_code)  # before: a 500 after the commit
        assert "Batch approved" in manager.get(answer.headers["Location"]).text
        wait_until(lambda: chaos.sandbox_stats()["callbacks"]["delivered"] >= 3, 30,
                   "callbacks delivered during the outage")
        assert chaos.sandbox_stats()["callbacks"]["failed_attempts"] == 0  # all answered 200
        waiting = chaos.sql("SELECT count(*) FROM callback_logs WHERE outcome = 'received'")
        assert waiting[0][0] >= 1  # stored, waiting for the queue
    finally:
        chaos.redis.start()
    assert codes.server_errors() == {}, codes.seen
    assert all(code == 303 for code in codes.seen["sign-in"])
    # Redis is back: the worker's sweeps run the batch and apply the stored callbacks.
    wait_until(lambda: len(batch_payouts(chaos, batch_id)) == 5 and all_final(chaos), 200,
               "batch run and every payout final after Redis returned", chaos)
    wait_until(lambda: chaos.sql("SELECT count(*) FROM callback_logs "
                                 "WHERE outcome = 'received'")[0][0] == 0, 120,
               "stored callbacks applied")
    print("redis outage:", codes.seen, assert_paid_once(chaos))


# --- 2. PostgreSQL backends killed -----------------------------------------------------------

def kill_backends(deployment: Deployment) -> int:
    with psycopg.connect(deployment.database_url, autocommit=True) as admin:
        return len(admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid() AND application_name <> %s",
            (TEST_CONNECTION,)).fetchall())


def test_postgresql_backends_killed_mid_traffic(chaos: Deployment) -> None:
    codes = Codes()
    stop = threading.Event()
    operator = signed_in(chaos, "olga")
    created: list[int] = []  # the creates that answered with their payout

    def browse() -> None:
        codes.add("sign-in", sign_in(chaos, "olga"))
        reader = chaos.last_browser  # type: ignore[attr-defined]
        while not stop.is_set():
            codes.add("list", reader.get("/payouts/").status_code)
            codes.add("sign-in", sign_in(chaos, "olga"))

    def create() -> None:
        while not stop.is_set():
            form = operator.get("/payouts/new?currency=USD&amount=10&service=test_usd")
            if codes.add("create form", form.status_code) != 200:
                continue
            values = dict(HIDDEN.findall(form.text))
            data = {k: values[k] for k in ("currency", "service", "submission_token")}
            answer = operator.post("/payouts/new", {  # one recipient each: no duplicate hold
                **data, "amount": "10", "field__account": str(next(ACCOUNTS)),
                "action": "create"})
            codes.add("create", answer.status_code)
            found = re.search(r"/payouts/(\d+)$", answer.headers.get("Location", ""))
            if found:
                created.append(int(found.group(1)))

    workers = [threading.Thread(target=browse) for _ in range(2)]
    workers.append(threading.Thread(target=create))
    for thread in workers:
        thread.start()
    killed = 0
    try:
        for _ in range(8):
            time.sleep(1.0)
            killed += kill_backends(chaos)
    finally:
        stop.set()
        for thread in workers:
            thread.join(timeout=60)
    assert killed >= 8
    # Before: 500s for requests in flight. Now: none; a request that lost its connection
    # after committing answers 503 ("may be partly saved"), the rest work.
    assert codes.server_errors(allowed=(503,)) == {}, codes.seen
    interrupted = sum(c == 503 for codes_ in codes.seen.values() for c in codes_)
    total = sum(len(codes_) for codes_ in codes.seen.values())
    assert interrupted <= total // 10, codes.seen
    # Payouts whose create was interrupted show in the list; the manager approves them all.
    waiting = [row[0] for row in chaos.sql(
        "SELECT id FROM payouts WHERE status NOT IN ('processed')")]
    wait_until(lambda: ready_for_approval(chaos, waiting), 120,
               "interrupted creates resolved by the worker", chaos)
    # Managers sign in now: approving needs a recent sign-in (step-up), and the wait above
    # can outlast it on a loaded machine.
    manager, second = signed_in(chaos, "mia"), signed_in(chaos, "max")
    for payout_id in waiting:
        codes.add("approve", approve_as_a_person(chaos, manager, payout_id, second))
    assert set(codes.seen.get("approve", [303])) == {303}, codes.seen
    wait_until(lambda: all_final(chaos), 120, "every payout final after the kills", chaos)
    print("postgres kills:", killed, "creates answered:", len(created),
          {a: {c: codes_.count(c) for c in set(codes_)} for a, codes_ in codes.seen.items()},
          assert_paid_once(chaos))


# --- 3. The worker killed mid-batch ----------------------------------------------------------

def rows_done(deployment: Deployment, batch_id: int) -> int:
    return int(deployment.sql("SELECT count(*) FROM batch_rows WHERE batch_id = %s "
                              "AND payout_id IS NOT NULL", batch_id)[0][0])


@pytest.mark.parametrize(("signal_name", "takeover_within"), [
    ("SIGTERM", 20),  # graceful: the batch is handed back and resumed at once
    ("SIGKILL", LEASE_SECONDS + 75),  # the lease runs out, then the next resume sweep
])
def test_the_worker_killed_mid_batch(chaos: Deployment, signal_name: str,
                                     takeover_within: float) -> None:
    manager = signed_in(chaos, "max")
    rows = 30
    start = 4000001 if signal_name == "SIGTERM" else 5000001
    batch_id = make_batch(chaos, rows=rows, start=start)
    assert approve_batch(manager, batch_id).status_code == 303
    wait_until(lambda: rows_done(chaos, batch_id) >= 5, 60, "the batch under way")
    began = time.monotonic()
    chaos.signal("worker", SIGTERM if signal_name == "SIGTERM" else SIGKILL, wait=150)
    stopped_after = time.monotonic() - began
    done_when_killed = rows_done(chaos, batch_id)
    assert done_when_killed < rows, "the batch finished before the worker was stopped"
    [(status, lease)] = chaos.sql("SELECT status, lease_until FROM batches WHERE id = %s",
                                  batch_id)
    # SIGTERM: handed back (lease released) for the next worker to resume at once; SIGKILL:
    # still leased, taken over only once the lease has run out.
    assert (status, lease is None) == ("running", signal_name == "SIGTERM"), (status, lease)
    chaos.start_worker()
    restarted = time.monotonic()
    wait_until(lambda: chaos.sql("SELECT status FROM batches WHERE id = %s", batch_id)[0][0]
               in ("done", "done_with_failures"), takeover_within + 60, "batch finished")
    finished_after = time.monotonic() - restarted
    assert chaos.sql("SELECT status FROM batches WHERE id = %s", batch_id)[0][0] == "done"
    assert rows_done(chaos, batch_id) == rows
    wait_until(lambda: all_final(chaos), 120, "every payout final", chaos)
    if signal_name == "SIGTERM":  # it finished its row and stopped, not a 120 s stall
        assert stopped_after < LEASE_SECONDS, stopped_after
    print(f"worker {signal_name}: stopped in {stopped_after:.1f} s at {done_when_killed}/"
          f"{rows} rows, finished {finished_after:.1f} s after the restart",
          assert_paid_once(chaos))


# --- 4. A web instance killed mid-approve ----------------------------------------------------

def test_an_instance_killed_mid_approve(chaos: Deployment) -> None:
    codes = Codes()
    operator = signed_in(chaos, "olga")
    payouts = [create_payout(operator) for _ in range(4)]
    managers = [signed_in(chaos, "mia") for _ in payouts]
    chaos.sandbox("/_sandbox/faults", {"operation": "process", "fault": "slow",
                                       "times": len(payouts)})
    answers: dict[int, int] = {}

    def click(manager: TlsBrowser, payout_id: int) -> None:
        try:
            answers[payout_id] = approve(manager, payout_id).status_code
        except requests.RequestException:
            answers[payout_id] = 0

    threads = [threading.Thread(target=click, args=pair)
               for pair in zip(managers, payouts, strict=True)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # the process calls are waiting on the slow provider
    chaos.signal("web1", SIGKILL)
    for thread in threads:
        thread.join(timeout=60)
    for code in answers.values():
        codes.add("approve (in flight)", code)
    # The people whose click died with the instance click again (nginx: the other instance);
    # above mia's limit the policy wants max too.
    chaos.start_web(1)
    second = signed_in(chaos, "max")
    for manager, payout_id in zip(managers, payouts, strict=True):
        if answers[payout_id] != 303:
            codes.add("approve (again)", approve_or_status(manager, payout_id))
        if statuses(chaos, [payout_id])[payout_id] == "awaiting_approval":
            codes.add("approve (second manager)",
                      approve_as_a_person(chaos, second, payout_id))
    assert not {c for c in codes.seen.get("approve (again)", []) if c >= 500}, codes.seen
    assert all(code in (303, 502) for code in codes.seen["approve (in flight)"]), codes.seen
    wait_until(lambda: all_final(chaos), 150, "every payout final after the instance died", chaos)
    print("instance killed:", codes.seen, assert_paid_once(chaos))


def approve_as_a_person(deployment: Deployment, manager: TlsBrowser, payout_id: int,
                        second: TlsBrowser | None = None) -> int:
    """Approve; when the page changed under the manager (the worker adopted or re-read the
    invoice, so the fingerprint no longer matches) the approval is refused with a message and
    the manager looks again and approves again, as a person would. Above the manager's limit
    the approval policy wants a second manager: `second` approves too."""
    code = 0
    for attempt in range(4):
        who = second if (second is not None and attempt % 2 == 1) else manager
        code = approve(who, payout_id).status_code
        [(status,)] = deployment.sql("SELECT status FROM payouts WHERE id = %s", payout_id)
        if status != "awaiting_approval":
            return code
        time.sleep(1)
    row = deployment.sql("SELECT status, provider_invoice_id, last_error, version, attempts "
                         "FROM payouts WHERE id = %s", payout_id)
    events = deployment.sql("SELECT kind, status_from, status_to, details FROM payout_events "
                            "WHERE payout_id = %s ORDER BY id", payout_id)
    refusals = deployment.sql("SELECT action, details FROM audit_events WHERE target = %s "
                              "ORDER BY id", f"payout:{payout_id}")
    raise AssertionError(f"payout {payout_id} not approved after four tries ({code}): "
                         f"{row} {events} {refusals}")


def approve_or_status(manager: TlsBrowser, payout_id: int) -> int:
    """Click approve again if the page still offers it; else the page itself answers."""
    page = manager.get(f"/payouts/{payout_id}")
    if 'name="fingerprint"' not in page.text:
        return page.status_code
    return approve(manager, payout_id).status_code

