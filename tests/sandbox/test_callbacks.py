"""Signed callbacks reach a real receiver on loopback, and are retried until it answers 200."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from webapp.sandbox import SandboxServer
from webapp.sandbox.server import QuietRequestHandler

AUTH = ("sandbox", "sk_test_sandbox")
SECRET = b"sk_test_sandbox"


@dataclass
class Receiver:
    """A callback endpoint: answers with `codes` in turn (then 200) and keeps what it got."""

    url: str = ""
    codes: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            code = self.codes.pop(0) if self.codes else 200
            self.received.append((dict(request.headers), request.get_data(), code))
        return Response("ok", status=code)(environ, start_response)

    def wait_for(self, count: int, seconds: float = 3.0) -> None:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    server = make_server("127.0.0.1", 0, target, threaded=True,
                         request_handler=QuietRequestHandler)
    target.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield target
    server.shutdown()
    server.server_close()


def expected_signature(body: bytes) -> str:
    digest = hashlib.sha1(SECRET + body + SECRET).digest()  # noqa: S324 (the provider's scheme)
    return base64.b64encode(digest).decode()


def process(sb: SandboxServer, http: requests.Session, invoice_id: str) -> None:
    answer = http.post(f"{sb.url}/payout-invoices/{invoice_id}/process", auth=AUTH, timeout=5)
    assert answer.status_code == 200


def wait_stats(sb: SandboxServer, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 3
    while not check(stats := sb.state.stats()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return stats


def test_signed_callbacks_for_each_status_change_with_retry(
        sb: SandboxServer, http: requests.Session, receiver: Receiver,
        created: Callable[..., dict[str, Any]]) -> None:
    receiver.codes = [500]  # the first delivery fails and must come again
    invoice = created(callback_url=receiver.url)
    process(sb, http, invoice["id"])
    receiver.wait_for(3)
    assert len(receiver.received) == 3
    for headers, body, _ in receiver.received:
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Signature"] == expected_signature(body)
    statuses = [json.loads(body)["data"]["attributes"]["status"]
                for _, body, code in receiver.received if code == 200]
    assert sorted(statuses) == ["processed", "processing"]
    bodies = [json.loads(body)["data"] for _, body, _ in receiver.received]
    assert all(b["id"] == invoice["id"] and b["type"] == "payout-invoices" for b in bodies)
    by_status = {b["attributes"]["status"]: b["attributes"]["updated"] for b in bodies}
    assert by_status["processing"] < by_status["processed"]
    stats = wait_stats(sb, lambda s: s["callbacks"]["delivered"] == 2)
    assert stats["callbacks"]["delivered"] == 2
    assert stats["callbacks"]["failed_attempts"] == 1
    failed = [d for d in stats["deliveries"] if d["http_status"] == 500]
    assert failed[0]["url"] == receiver.url and failed[0]["invoice_id"] == invoice["id"]


def test_bad_signature_would_be_detected(sb: SandboxServer, http: requests.Session,
                                         receiver: Receiver,
                                         created: Callable[..., dict[str, Any]]) -> None:
    invoice = created(callback_url=receiver.url)
    process(sb, http, invoice["id"])
    receiver.wait_for(1)
    headers, body, _ = receiver.received[0]
    assert headers["X-Signature"] != expected_signature(body + b" ")


def test_unreachable_receiver_is_retried_then_given_up(
        sb: SandboxServer, http: requests.Session,
        created: Callable[..., dict[str, Any]]) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    invoice = created(callback_url=f"http://127.0.0.1:{port}/gone")
    process(sb, http, invoice["id"])
    stats = wait_stats(sb, lambda s: s["callbacks"]["given_up"] == 2)
    assert stats["callbacks"]["given_up"] == 2
    attempts = [d for d in stats["deliveries"] if d["error"] == "ConnectionError"]
    assert len(attempts) == 2 * (len(sb.state.callback_backoff) + 1)
    assert all(d["http_status"] is None for d in attempts)


def test_callbacks_can_be_lost_on_demand(sb: SandboxServer, http: requests.Session,
                                         receiver: Receiver,
                                         created: Callable[..., dict[str, Any]],
                                         poll: Callable[..., dict[str, Any]]) -> None:
    answer = http.post(f"{sb.url}/_sandbox/callbacks", json={"enabled": False}, timeout=5)
    assert answer.json() == {"data": {"enabled": False}}
    invoice = created(callback_url=receiver.url)
    process(sb, http, invoice["id"])
    poll(invoice["id"], until=lambda a: a["status"] == "processed")
    stats = wait_stats(sb, lambda s: s["callbacks"]["lost"] == 2)
    assert stats["callbacks"]["lost"] == 2
    time.sleep(0.1)
    assert receiver.received == []
    bad = http.post(f"{sb.url}/_sandbox/callbacks", json={"enabled": "no"}, timeout=5)
    assert bad.status_code == 422
