"""`make run`: the whole desk on one machine with embedded defaults, served like production.

SQLite under instance/, migrations applied, the built-in sandbox as the provider (its own
process on :5001), the demo accounts (managers and admins with a second factor enrolled) and,
on first start, a desk at work (webapp/demo_data), the background worker, and the web app on
:5000 through gunicorn (`--debug`: Flask's development server instead). Ctrl-C stops it all.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from webapp.demo_data.people import DEMO_USERS

ROOT = Path(__file__).resolve().parent.parent
WEB_PORT = int(os.environ.get("PORT", "5000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "5001"))
CODE_COMMAND = "make code USER="
STOP_SECONDS = 10.0
WORKER_START_SECONDS = 20.0
WORKER_READY_LINE = b"sync_pass_task"  # the last line of the Huey consumer's start-up report
# The sandbox's invoices, kept beside the demo database so a restart still knows them.
STATE_FILE = ROOT / "instance" / "sandbox-invoices.json"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("APP_MODE", "demo")
    env.setdefault("PAYMEGA_CALLBACK_URL", f"http://127.0.0.1:{WEB_PORT}/callbacks/paymega")
    if "PAYMEGA_API_URL" not in env:
        env["PAYMEGA_API_URL"] = f"http://127.0.0.1:{SANDBOX_PORT}"
        env.setdefault("PAYMEGA_PUBLIC_KEY", "pk_test_sandbox")
        env.setdefault("PAYMEGA_ACCOUNT_ID", "sandbox")
        env.setdefault("PAYMEGA_SECRET_KEY", "sk_test_sandbox")
    # Notification e-mails are printed by the worker (webapp/notifications/mailer.py).
    env.setdefault("SMTP_URL", "log://")
    # gunicorn.conf.py reads these: loopback only, two workers, a quick stop.
    env.setdefault("GUNICORN_BIND", f"127.0.0.1:{WEB_PORT}")
    env.setdefault("WEB_CONCURRENCY", "2")
    env.setdefault("GUNICORN_GRACEFUL_TIMEOUT", "3")
    return env


def _wait_for_port(port: int, seconds: float, watched: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watched.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _relay(worker: subprocess.Popen[bytes]) -> threading.Event:
    """Pass the worker's output on; the event is set once its consumer has started."""
    started = threading.Event()

    def relay() -> None:
        assert worker.stdout is not None
        for line in iter(worker.stdout.readline, b""):
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
            if WORKER_READY_LINE in line:
                started.set()
        started.set()

    threading.Thread(target=relay, name="worker-output", daemon=True).start()
    return started


def _web_command(debug: bool) -> list[str]:
    if debug:
        return [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--debug",
                "--host", "127.0.0.1", "--port", str(WEB_PORT)]
    return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]


def _welcome(env: dict[str, str], setup_output: str, seconds: float, debug: bool) -> str:
    server = "Flask's development server (--debug)" if debug else "gunicorn, as in production"
    keys = [line.split()[1:] for line in setup_output.splitlines()
            if line.startswith("second-factor-key ")]
    notes = [line for line in setup_output.splitlines() if line.startswith("Demo data:")]
    lines = [
        "",
        f"Payouts desk (demo) on http://127.0.0.1:{WEB_PORT}  ({server}; ready in {seconds:.1f} s)",
        f"Provider: {env['PAYMEGA_API_URL']}",
        *notes,
        "Demo users (username / password / roles):",
        *[f"  {u.username:<10} {u.password:<22} {', '.join(u.roles)}" for u in DEMO_USERS],
        "Managers and admins sign in with a second factor, already set up: no phone needed.",
        "Their six-digit code, from this folder in another terminal:",
        f"  {CODE_COMMAND}manager   (that is: APP_MODE=demo flask --app wsgi demo code manager)",
        "(Or add a key to an authenticator app: "
        + ", ".join(f"{name} {secret}" for name, secret in keys) + ")",
        "Try first:",
        "  1. Sign in as operator and create a payout (New payout).",
        "  2. In another browser (or a private window) sign in as manager, with the code above,",
        "     and approve it under Approvals; its page follows it to Paid.",
        "  3. Sign in as admin (and admin2, the second admin) to manage accounts; auditor reads.",
        "Notification e-mails (to the manager when a payout waits, to the operator when it is",
        "decided) are printed here by the worker; the Inbox in the header shows them too.",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGINT is gunicorn's (and Flask's) quick stop; SIGTERM the worker's and the sandbox's."""
    for child in children:
        if child.poll() is None:
            quick = list(child.args)[2:3] in (["gunicorn"], ["flask"])
            child.send_signal(signal.SIGINT if quick else signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(debug: bool = False) -> int:
    started = time.monotonic()
    env = _env()
    signal.signal(signal.SIGTERM, _raise_interrupt)  # `kill` stops the children too
    children: list[subprocess.Popen[bytes]] = []
    try:
        if env["PAYMEGA_API_URL"] == f"http://127.0.0.1:{SANDBOX_PORT}":
            sandbox = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "webapp.sandbox", "--port", str(SANDBOX_PORT),
                 "--state-file", env.get("SANDBOX_STATE_FILE", str(STATE_FILE))],
                env=env, cwd=ROOT)
            children.append(sandbox)
            if not _wait_for_port(SANDBOX_PORT, 60, sandbox):
                print("The sandbox did not start.", file=sys.stderr)
                return 1
        setup = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "setup"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        if setup.returncode != 0:
            print(setup.stdout + "\nSetting the demo up failed (see above).", file=sys.stderr)
            return 1
        worker = subprocess.Popen(  # its lines are passed on; see _relay
            [sys.executable, "-m", "webapp.worker"], env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        children.append(worker)
        worker_ready = _relay(worker)
        web = subprocess.Popen(_web_command(debug), env=env, cwd=ROOT)  # noqa: S603
        children.append(web)
        if not _wait_for_port(WEB_PORT, 90, web):
            print("The web app did not start.", file=sys.stderr)
            return 1
        worker_ready.wait(WORKER_START_SECONDS)  # so its start-up lines come before the welcome
        print(_welcome(env, setup.stdout, time.monotonic() - started, debug), flush=True)
        while web.poll() is None:
            time.sleep(0.5)
        return web.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _stop(children)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.demo", description=__doc__)
    parser.add_argument("--debug", action="store_true",
                        help="serve with Flask's development server (reloader, debugger)")
    return run(debug=parser.parse_args(argv).debug)


if __name__ == "__main__":
    sys.exit(main())
