"""Run the sandbox on a loopback port in a daemon thread (tests, demos)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from webapp.sandbox.app import create_sandbox_app
from webapp.sandbox.store import SandboxState


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: tests make hundreds of calls."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SandboxServer:
    """A running sandbox: `url` has no trailing slash; `stop()` shuts it down."""

    def __init__(self, server: BaseWSGIServer, state: SandboxState) -> None:
        self._server = server
        self.state = state
        self.host = str(server.server_address[0])
        self.port = int(server.server_port)
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name="sandbox-server",
                                        daemon=True)

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.state.lock:
            self.state.closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    public_key: str = "pk_test_sandbox",
    account_id: str = "sandbox",
    secret_key: str = "sk_test_sandbox",  # noqa: S107 (the sandbox's documented test key)
    lifecycle_delay: float = 1.0,
    slow_seconds: float = 3.0,
    quiet: bool = True,
) -> SandboxServer:
    """Serve a fresh sandbox on `host:port` (0 = any free port) with werkzeug's threaded
    server, in a daemon thread; returns once it accepts connections."""
    state = SandboxState(public_key=public_key, account_id=account_id, secret_key=secret_key,
                         lifecycle_delay=lifecycle_delay, slow_seconds=slow_seconds)
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, create_sandbox_app(state), threaded=True,
                         request_handler=handler)
    return SandboxServer(server, state).start()
