"""Structured logs: JSON lines with the request id, the id carried into provider calls and
background jobs, and no card number or secret in any line of a whole payout's life."""

from __future__ import annotations

import base64
import contextvars
import functools
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD, wait_for
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve
from webapp.callbacks.signature import sign
from webapp.extensions import db
from webapp.models import Payout, Role, User
from webapp.observability import context
from webapp.observability.logging import make_handler
from webapp.observability.redact import redact, register_secrets
from webapp.payout_core.prerequest import clear_cache
from webapp.provider.client import PaymegaClient
from webapp.sandbox import SandboxServer

CARDS = ("4111111111111111", "5123810000000008")
CHATTY = ("", "webapp", "werkzeug", "urllib3", "requests", "huey", "sqlalchemy")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Our production handler on the root logger, writing JSON lines to a buffer."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_level_logger_request_id_and_extras(json_log: io.StringIO) -> None:
    with context.bound("req-abcdef-123"):
        logging.getLogger("webapp.example").info("payout %s created", 7, extra={"payout": 7})
    [line] = records(json_log)
    assert line["message"] == "payout 7 created" and line["payout"] == 7
    assert (line["level"], line["logger"], line["request_id"]) == (
        "INFO", "webapp.example", "req-abcdef-123")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", str(line["timestamp"]))


def test_the_filter_masks_cards_and_removes_secrets_even_in_tracebacks(
        json_log: io.StringIO) -> None:
    register_secrets(["a-configured-secret-value"])
    log = logging.getLogger("webapp.example")
    log.warning("card %s, spaced 4111 1111 1111 1111, key sk_live_abc123, "
                "password=hunter2hunter2", CARDS[0], extra={"note": "a-configured-secret-value"})
    try:
        raise ValueError(f"refused {CARDS[1]} with a-configured-secret-value")
    except ValueError:
        log.exception("failed")
    text = json_log.getvalue()
    for leaked in (*CARDS, "4111 1111 1111 1111", "sk_live_abc123", "hunter2hunter2",
                   "a-configured-secret-value"):
        assert leaked not in text
    first, second = records(json_log)
    assert "card 411111******1111" in str(first["message"])
    assert first["note"] == "[redacted]"
    assert "512381******0008" in str(second["exception"])


def test_redaction_leaves_ids_and_amounts_alone() -> None:
    request_id = "0123456789abcdef0123456789abcdef"
    line = f"request {request_id} paid 1250.00 UAH at 2024-05-01 10:00:00, invoice 123456"
    assert redact(line) == line


def test_each_response_carries_a_request_id_taken_from_a_sane_header(client: FlaskClient
                                                                      ) -> None:
    fresh = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/healthz").headers["X-Request-Id"] != fresh
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c2e-01"})
    assert kept.headers["X-Request-Id"] == "lb-7f3a9c2e-01"
    for odd in ("short", "x" * 200, "has space inside", "quote\"inside-header"):
        answer = client.get("/healthz", headers={"X-Request-Id": odd})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"]), odd


def outside_any_request(test: Callable[[], None]) -> Callable[[], None]:
    """Run the test in a context of its own, as a worker thread outside any request is: a
    request id an earlier test in this process left bound must not count as ours (seen in full
    PostgreSQL runs, from a test not yet found)."""

    @functools.wraps(test)
    def run() -> None:
        contextvars.Context().run(test)

    return run


@outside_any_request
def test_provider_calls_send_the_request_id() -> None:
    seen: list[str | None] = []

    class Capture(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.headers.get("X-Request-Id"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"data": {"type": "payout-prerequest", "attributes": '
                             b'{"currency": "USD", "services": {}}}}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = PaymegaClient(f"http://127.0.0.1:{server.server_port}", "pk_test_x", "acc",
                               "sk_test_x")
        with context.bound("req-to-provider-42"):
            client.prerequest("USD", Decimal("10"))
        client.prerequest("USD", Decimal("10"))  # outside any request: no header at all
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["req-to-provider-42", None]


def test_a_request_id_follows_the_request_into_provider_calls_and_jobs(
        client: FlaskClient, json_log: io.StringIO, make_user: Callable[..., User],
        make_payout: Callable[..., Payout], sandbox: SandboxServer) -> None:
    payout = make_payout(make_user("olga", Role.OPERATOR))
    body = requests.get(f"{sandbox.url}/payout-invoices/{payout.provider_invoice_id}",
                        auth=("sandbox", "sk_test_sandbox"), timeout=5).content
    json_log.truncate(0)
    json_log.seek(0)
    answer = client.post("/callbacks/paymega", data=body, csrf=False, headers={
        "Content-Type": "application/json", "X-Signature": sign(body, "sk_test_sandbox"),
        "X-Request-Id": "callback-from-lb-0001"})
    assert answer.status_code == 200
    # The callback is applied by a Huey job (inline in tests), which reads the invoice.
    reads = [r for r in records(json_log) if r["logger"] == "webapp.provider"
             and str(r["message"]).startswith("paymega GET /payout-invoices/")]
    assert reads and all(r["request_id"] == "callback-from-lb-0001" for r in reads)


@outside_any_request
def test_jobs_run_under_the_id_of_the_request_that_queued_them() -> None:
    from webapp.callbacks.services import apply_callback_task
    from webapp.queue import _stamp_request_id, traced

    queued = apply_callback_task.s(1)
    with context.bound("queued-by-request-1"):
        _stamp_request_id("enqueued", queued)
    assert queued.kwargs == {"request_id": "queued-by-request-1"}
    probe = traced(context.current_request_id)
    assert probe(request_id="queued-by-request-1") == "queued-by-request-1"
    fresh = probe(request_id=None)  # queued by the scheduler or a command: an id of its own
    assert re.fullmatch(r"[0-9a-f]{32}", str(fresh))
    assert context.current_request_id() is None


@pytest.fixture
def _fresh_prerequests(app: Flask) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


@pytest.mark.usefixtures("_fresh_prerequests")
def test_a_whole_payout_leaves_no_card_number_or_secret_in_any_log_line(
        app: Flask, operator_client: FlaskClient, make_user: Callable[..., User],
        callbacks_to: str, sandbox: SandboxServer, json_log: io.StringIO,
        caplog: pytest.LogCaptureFixture) -> None:
    for name in CHATTY:
        caplog.set_level(logging.DEBUG, logger=name or None)
    sandbox.state.inject("create", "500_after", 1)  # the recovery path logs too
    payouts = []
    for card in CARDS:
        html = operator_client.get(
            "/payouts/new?currency=UAH&amount=100&service=card_uah").get_data(as_text=True)
        values = dict(re.findall(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"',
                                 html))
        answer = operator_client.post("/payouts/new", data={
            **{k: values[k] for k in ("currency", "service", "submission_token")},
            "amount": "100", "action": "create", "field__card_number": card})
        assert answer.status_code == 303, answer.get_data(as_text=True)[-1500:]
        payouts.append(int(answer.headers["Location"].rsplit("/", 1)[1]))
    manager = make_user("max", Role.MANAGER)
    for payout_id in payouts:
        payout = db.session.get(Payout, payout_id)
        if payout.provider_invoice_id is None:  # the 500 left it unknown: recovered later
            from webapp.payout_core.recovery import recover_payout

            recover_payout(payout_id)
            db.session.expire_all()
            payout = db.session.get(Payout, payout_id)
        approve(payout_id, manager, fingerprint_of(payout))
    assert wait_for(lambda: all(_final(p) for p in payouts), timeout=15)
    lines = [caplog.text, json_log.getvalue()]
    lines += [r.getMessage() for phase in ("setup", "call") for r in caplog.get_records(phase)]
    basic = base64.b64encode(b"sandbox:sk_test_sandbox").decode()
    secrets = (*CARDS, "sk_test_sandbox", basic, app.config["SECRET_KEY"], TEST_PASSWORD)
    for secret in secrets:
        assert not [line for line in lines if secret in line], secret
    # The capture really saw the flow, over every logger that talks about HTTP.
    assert "paymega POST /payout-invoices" in caplog.text
    assert "/callbacks/paymega" in caplog.text  # werkzeug's line of the live server
    assert "urllib3" in {r.name.split(".")[0] for r in caplog.records}


def _final(payout_id: int) -> bool:
    db.session.expire_all()
    payout = db.session.get(Payout, payout_id)
    return payout is not None and payout.is_final
