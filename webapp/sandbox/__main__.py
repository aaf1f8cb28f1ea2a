"""`python -m webapp.sandbox --port 8081`: run the sandbox standalone until Ctrl-C (or SIGTERM).
Credentials come from flags, else SANDBOX_PUBLIC_KEY / SANDBOX_ACCOUNT_ID / SANDBOX_SECRET_KEY,
else the test defaults. `--state-file` keeps its invoices between runs."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from types import FrameType

from webapp.sandbox import persistence
from webapp.sandbox.server import start_sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m webapp.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--lifecycle-delay", type=float, default=1.0,
                        help="seconds from processing to the final status")
    parser.add_argument("--slow-seconds", type=float, default=3.0,
                        help="pause used by the slow and timeout faults")
    parser.add_argument("--public-key", default=env("SANDBOX_PUBLIC_KEY", "pk_test_sandbox"))
    parser.add_argument("--account-id", default=env("SANDBOX_ACCOUNT_ID", "sandbox"))
    parser.add_argument("--secret-key", default=env("SANDBOX_SECRET_KEY", "sk_test_sandbox"))
    parser.add_argument("--state-file", type=Path, default=None,
                        help="a JSON file the invoices are read from and kept in")
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = start_sandbox(
        args.host, args.port, public_key=args.public_key, account_id=args.account_id,
        secret_key=args.secret_key, lifecycle_delay=args.lifecycle_delay,
        slow_seconds=args.slow_seconds, quiet=False,
    )
    stop = threading.Event()
    saver = None
    if args.state_file is not None:
        known = persistence.load(server.state, args.state_file)
        saver = persistence.keep_saved(server.state, args.state_file, stop)
        print(f"Sandbox invoices kept in {args.state_file} ({known} read)", flush=True)
    print(f"Payout sandbox listening on {server.url} (Ctrl-C to stop)", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop.set()
        if saver is not None:
            saver.join(timeout=5)
        server.stop()


if __name__ == "__main__":
    main()
