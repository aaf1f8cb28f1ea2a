"""`make run`: the whole desk on one machine with embedded defaults.

SQLite under instance/, migrations applied, the built-in sandbox as the provider (its own
process on :5001), the background worker, one demo user per role, the web app on :5000.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PORT = int(os.environ.get("PORT", "5000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "5001"))
DEMO_USERS = (
    ("operator", "amber-kestrel-41", ["operator"]),
    ("operator2", "copper-lantern-52", ["operator"]),
    ("manager", "silent-harbour-63", ["manager"]),
    ("manager2", "velvet-compass-74", ["manager"]),
    ("admin", "granite-meadow-85", ["admin"]),
    # A second admin, so a manager or admin grant asked by one can be confirmed by the other.
    ("admin2", "marble-orchard-17", ["admin"]),
    ("auditor", "paper-lighthouse-96", ["auditor"]),
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("APP_MODE", "demo")
    env.setdefault("PAYMEGA_CALLBACK_URL", f"http://127.0.0.1:{WEB_PORT}/callbacks/paymega")
    if "PAYMEGA_API_URL" not in env:
        env["PAYMEGA_API_URL"] = f"http://127.0.0.1:{SANDBOX_PORT}"
        env.setdefault("PAYMEGA_PUBLIC_KEY", "pk_test_sandbox")
        env.setdefault("PAYMEGA_ACCOUNT_ID", "sandbox")
        env.setdefault("PAYMEGA_SECRET_KEY", "sk_test_sandbox")
    return env


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> int:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, env=env, cwd=ROOT, input=stdin, text=True,  # noqa: S603
                          check=False).returncode


def _create_demo_users(env: dict[str, str]) -> None:
    for name, password, roles in DEMO_USERS:
        role_args = [arg for role in roles for arg in ("--role", role)]
        created = _flask(env, "users", "create", name, *role_args, "--password-stdin",
                         stdin=password + "\n")
        if created != 0:  # already there: make sure the printed password works
            _flask(env, "users", "set-password", name, "--password-stdin", stdin=password + "\n")
        if "manager" in roles:  # limits fail closed: the demo managers may approve any amount
            _flask(env, "users", "limit", name, "*", "none")


def main() -> int:
    env = _env()
    if _flask(env, "db", "upgrade") != 0:
        print("Database migration failed.", file=sys.stderr)
        return 1
    _create_demo_users(env)
    children: list[subprocess.Popen[bytes]] = []
    if env["PAYMEGA_API_URL"] == f"http://127.0.0.1:{SANDBOX_PORT}":
        children.append(subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "webapp.sandbox", "--port", str(SANDBOX_PORT)],
            env=env, cwd=ROOT))
    worker = ROOT / "webapp" / "worker.py"
    if worker.exists():
        children.append(subprocess.Popen(
            [sys.executable, "-m", "webapp.worker"], env=env, cwd=ROOT))
    time.sleep(0.5)
    print(f"\nPayouts desk (demo) on http://127.0.0.1:{WEB_PORT}")
    print(f"Provider: {env['PAYMEGA_API_URL']}")
    print("Demo users (username / password / roles):")
    for name, password, roles in DEMO_USERS:
        print(f"  {name:<10} {password:<22} {', '.join(roles)}")
    print("Managers and admins enrol an authenticator app (TOTP) at their first sign-in.")
    print(flush=True)
    web = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
         "--port", str(WEB_PORT)], env=env, cwd=ROOT)
    children.append(web)
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
