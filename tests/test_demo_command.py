"""The README's `make run`, from a fresh clone: it answers through gunicorn, shows a desk at
work, a demo manager signs in with `demo code` and approves, Ctrl-C leaves no process behind,
and a second start adds no demo data. Plus the `demo` commands outside demo mode."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.steps import choose_test_service, submit_payout_form
from webapp.auth import twofactor
from webapp.demo_data.accounts import current_code, enrol_second_factor
from webapp.demo_data.people import DEMO_USERS
from webapp.extensions import db
from webapp.models import Role, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {u.username: u.password for u in DEMO_USERS}
START_SECONDS = 240  # generous: the machine is shared; the start itself is measured and printed
STOP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Demo:
    """One `make run` in a clone: its output so far, ports, and the time it took to answer."""

    clone: Path
    web: int
    sandbox: int
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    ready_after: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PAYMEGA_", "APP_MODE", "DATABASE_URL", "REDIS_URL",
                                    "TASK_QUEUE_PATH", "SECRET_KEY", "GUNICORN_", "PORT"))}
        env.update(PORT=str(self.web), SANDBOX_PORT=str(self.sandbox))
        return env

    def start(self) -> None:
        """Like a newcomer: `make run` in the clone (its .venv borrowed from this checkout,
        so the test does not spend minutes installing the same packages again)."""
        self.lines = []
        began = time.monotonic()
        self.process = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run"], cwd=self.clone, env=self.env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        stream = self.process.stdout
        assert stream is not None
        threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")),
                         daemon=True).start()
        deadline = time.monotonic() + START_SECONDS
        while "Ctrl-C stops everything" not in self.output:
            assert self.process.poll() is None, self.output[-3000:]
            assert time.monotonic() < deadline, self.output[-3000:]
            time.sleep(0.2)
        self.ready_after = time.monotonic() - began
        print(f"make run answered after {self.ready_after:.1f} s")

    def interrupt(self) -> list[str]:
        """Ctrl-C as a terminal sends it (to the whole foreground group); returns what is
        left of the session afterwards."""
        assert self.process is not None
        began = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=STOP_SECONDS)
        print(f"make run stopped {time.monotonic() - began:.1f} s after Ctrl-C")
        if self.process.stdout is not None:
            self.process.stdout.close()
        deadline = time.monotonic() + STOP_SECONDS
        while _session_members(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        return _session_members(self.process.pid)

    def payout_count(self) -> int:
        with sqlite3.connect(self.clone / "instance" / "payouts.sqlite") as db:
            return int(db.execute("select count(*) from payouts").fetchone()[0])

    def code(self, username: str) -> subprocess.CompletedProcess[str]:
        """What the demo prints to get a code: `make code USER=…` in the clone."""
        return subprocess.run(["make", "-s", "-o", ".venv/.installed", "code",
                               f"USER={username}"], cwd=self.clone, env=self.env(), text=True,
                              capture_output=True, timeout=120, check=False)


def _session_members(session_id: int) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "sid=,pid=,args="], text=True, capture_output=True,
                             check=True).stdout
    return [line for line in listing.splitlines()
            if line.split() and line.split()[0] == str(session_id)]


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _sign_in(demo: Demo, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{demo.url}/login", timeout=30)
    answer = session.post(f"{demo.url}/login", timeout=30, data={
        "csrf_token": _token(page.text), "username": username,
        "password": PASSWORDS[username]})
    assert answer.status_code == 200, answer.text[:500]
    return session


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    clone = tmp_path_factory.mktemp("fresh") / "payouts-desk"
    subprocess.run(["git", "clone", "-q", "--branch",
                    subprocess.run(["git", "branch", "--show-current"], cwd=ROOT, text=True,
                                   capture_output=True, check=True).stdout.strip(),
                    str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    running = Demo(clone=clone, web=_free_port(), sandbox=_free_port())
    running.start()
    yield running
    if running.process is not None and running.process.poll() is None:
        running.interrupt()


def test_make_run_serves_through_gunicorn_and_prints_what_to_try(demo: Demo) -> None:
    assert requests.get(f"{demo.url}/login", timeout=30).status_code == 200
    output = demo.output
    assert "gunicorn, as in production" in output
    assert re.search(r"Booting worker with pid", output)  # gunicorn's own line
    for user in DEMO_USERS:
        assert f"  {user.username:<10} {user.password}" in output
    assert "Sign in as operator and create a payout" in output
    assert "sign in as manager" in output
    assert "make code USER=manager" in output
    keys = dict(re.findall(r"(manager2?|admin2?) ([A-Z2-7]{32})", output))
    assert set(keys) == {"manager", "manager2", "admin", "admin2"}
    deadline = time.monotonic() + START_SECONDS
    while "sync_pass_task" not in demo.output:  # the background worker runs beside the web app
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_the_desk_shows_demo_payouts_in_several_states(demo: Demo) -> None:
    auditor = _sign_in(demo, "auditor")
    listing = auditor.get(f"{demo.url}/payouts/", timeout=30).text
    for label in ("Awaiting approval", "Paid", "Failed", "Rejected", "Processing"):
        assert label in listing, label
    dashboard = auditor.get(f"{demo.url}/", timeout=30)
    assert dashboard.status_code == 200
    batches = auditor.get(f"{demo.url}/batches/", timeout=30).text
    statuses = re.findall(r'<td class="c-status">(Done|Awaiting approval)</td>', batches)
    assert sorted(statuses) == ["Awaiting approval", "Done"]
    assert re.search(r"Demo data: 3\d payouts", demo.output)


def test_the_sign_in_page_says_where_the_demo_code_comes_from(demo: Demo) -> None:
    session = requests.Session()
    page = session.get(f"{demo.url}/login", timeout=30)
    session.post(f"{demo.url}/login", timeout=30, data={
        "csrf_token": _token(page.text), "username": "manager",
        "password": PASSWORDS["manager"]})
    verify = session.get(f"{demo.url}/login/verify", timeout=30).text
    assert "make code USER=manager" in verify


def _approve_one_to_paid(demo: Demo, username: str) -> float:
    """Sign in with the printed password and `make code`, approve the first payout of the
    queue, follow it to Paid; returns the seconds it took."""
    began = time.monotonic()
    manager = _sign_in(demo, username)
    code = demo.code(username)
    assert code.returncode == 0, code.stderr
    page = manager.get(f"{demo.url}/login/verify", timeout=30)
    signed_in = manager.post(f"{demo.url}/login/verify", timeout=30, data={
        "csrf_token": _token(page.text), "code": code.stdout.strip()})
    assert "/login" not in signed_in.url, signed_in.text[:1000]
    queue = manager.get(f"{demo.url}/approvals/", timeout=30).text
    payout_id = re.search(r'name="payout" value="(\d+):', queue)
    assert payout_id, queue[:2000]
    detail_url = f"{demo.url}/payouts/{payout_id.group(1)}"
    detail = manager.get(detail_url, timeout=30).text
    fingerprint = re.search(r'name="fingerprint" value="([^"]*)"', detail)
    assert fingerprint
    manager.post(f"{demo.url}/approvals/{payout_id.group(1)}/approve", timeout=60, data={
        "csrf_token": _token(detail), "fingerprint": fingerprint.group(1)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = manager.get(f"{detail_url}/status", timeout=30)
        if ">Paid<" in status.text:
            break
        time.sleep(1)
    assert ">Paid<" in status.text
    return time.monotonic() - began


def test_a_demo_manager_signs_in_with_demo_code_and_approves_to_a_final_status(
        demo: Demo) -> None:
    seconds = _approve_one_to_paid(demo, "manager")
    print(f"sign in, code, approve -> paid: {seconds:.1f} s")


def _browser_sign_in(page: Page, demo: Demo, username: str) -> None:
    """As the printed text says: the password, then (managers) the code from `make code`."""
    page.goto(f"{demo.url}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORDS[username])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/login/verify" in url or "/login" not in url)
    if "/login/verify" in page.url:
        expect(page.get_by_text(f"make code USER={username}")).to_be_visible()
        code = demo.code(username)
        assert code.returncode == 0, code.stderr
        code_input = page.locator("input[autocomplete=one-time-code]")
        code_input.fill(code.stdout.strip())
        code_input.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)


def test_a_newcomer_creates_approves_and_sees_it_paid_in_two_browsers(
        demo: Demo, browser: Browser) -> None:
    """The README's first try, in Chromium: operator creates, manager (another browser
    context) approves, the payout's page reaches Paid. The time it takes is printed."""
    began = time.monotonic()
    operator_context, manager_context = browser.new_context(), browser.new_context()
    try:
        operator = operator_context.new_page()
        operator.set_default_timeout(60_000)
        _browser_sign_in(operator, demo, "operator")
        operator.goto(f"{demo.url}/payouts/new")
        choose_test_service(operator, "42.00")
        operator.locator("#payout-form #field__account").fill("7001001")
        submit_payout_form(operator)
        operator.wait_for_url(re.compile(r"/payouts/\d+$"))
        detail_url = operator.url
        manager = manager_context.new_page()  # another browser, as the text suggests
        manager.set_default_timeout(60_000)
        _browser_sign_in(manager, demo, "manager2")
        manager.goto(detail_url)
        manager.get_by_role("button", name="Approve and pay").click()
        manager.wait_for_load_state()
        operator.reload()
        expect(operator.locator("[data-status=processed]").first).to_be_visible(timeout=120_000)
    finally:
        operator_context.close()
        manager_context.close()
    print(f"newcomer: operator creates, manager approves, paid: "
          f"{time.monotonic() - began:.1f} s")


def test_ctrl_c_stops_every_child_and_a_second_start_adds_nothing_and_still_pays(
        demo: Demo) -> None:
    before = demo.payout_count()
    assert before >= 30
    assert demo.interrupt() == []
    demo.start()
    assert "Demo data: already there, nothing added." in demo.output
    assert demo.payout_count() == before
    # The sandbox kept its invoices: a payout the first run created is paid after the restart.
    _approve_one_to_paid(demo, "manager2")
    assert demo.interrupt() == []


def test_demo_commands_are_refused_outside_demo_mode(app: Flask) -> None:
    runner = app.test_cli_runner()
    for args in (["demo", "code", "manager"], ["demo", "setup"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert "only in demo mode" in result.output


def test_the_printed_code_signs_in_even_right_after_one_was_used(
        app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user("demo-manager", Role.MANAGER, two_factor=False)
    enrol_second_factor(user)  # enrolment spends an earlier step, not the current one
    first, _ = current_code(user)
    assert twofactor.verify_totp(user, first)
    db.session.commit()
    assert not twofactor.verify_totp(user, first)  # used: a replay is refused
    second, _ = current_code(user)  # so `demo code` gives the next step's code
    assert second != first
    assert twofactor.verify_totp(user, second)


def test_only_the_debug_option_serves_with_flask_development_server() -> None:
    from webapp.demo import _web_command

    assert _web_command(debug=False)[1:3] == ["-m", "gunicorn"]
    assert "gunicorn.conf.py" in _web_command(debug=False)
    assert _web_command(debug=True)[1:] == ["-m", "flask", "--app", "wsgi", "run", "--debug",
                                            "--host", "127.0.0.1",
                                            "--port", _web_command(True)[-1]]
