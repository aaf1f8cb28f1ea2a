"""Faults on demand: wrap an operation so the next injected fault for it changes what the
client sees (an error before anything happens, an error or silence after it happened, ...)."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable

from flask import Response, request

from webapp.sandbox.canned import take_answer
from webapp.sandbox.request_helpers import state
from webapp.sandbox.views import error_response, validation_error

# Faults that refuse the call: nothing is stored or changed.
_REFUSALS: dict[str, Callable[[], Response]] = {
    "500_before": lambda: error_response(500),
    "401": lambda: error_response(401),
    "403": lambda: error_response(403),
    "405": lambda: error_response(405),
    "409": lambda: error_response(409),
    "422": lambda: validation_error({"amount": "This value is not valid."}),
}

MALFORMED_BODY = '{"data": {"type": "payout-invoices", "id": "cpoi_'


def drop_connection() -> None:
    """Close the client's TCP connection with no HTTP answer at all. The werkzeug server hands
    us its socket; after shutdown its attempt to write the response fails quietly."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:  # not served by werkzeug's server: nothing we can drop
        raise RuntimeError("drop fault needs the werkzeug development server")
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def run(operation: str, perform: Callable[[], Response]) -> Response:
    """Perform `operation`, honouring the next fault injected for it."""
    current = state()
    fault = current.take_fault(operation)
    canned = take_answer(current, operation)
    if canned is not None:
        return Response(canned[0], status=canned[1], mimetype="application/json")
    if fault in _REFUSALS:
        return _REFUSALS[fault]()
    if fault == "slow":
        time.sleep(current.slow_seconds)
    response = perform()
    if fault == "500_after":
        return error_response(500)
    if fault == "timeout":
        time.sleep(current.slow_seconds)
    elif fault == "drop":
        drop_connection()
    elif fault == "malformed":
        return Response(MALFORMED_BODY, status=200, mimetype="application/json")
    return response
