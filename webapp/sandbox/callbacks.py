"""Signed callbacks, delivered in the background with retries, like the provider's: the
receiver must answer 200, otherwise the same body is sent again after a growing pause."""

from __future__ import annotations

import base64
import hashlib
import threading
import time

import requests

from webapp.sandbox.store import Invoice, SandboxState
from webapp.sandbox.views import dumps, invoice_resource

DELIVERY_TIMEOUT = 2.0


def sign(secret: str, body: bytes) -> str:
    """base64 of the raw SHA-1 digest of secret + body + secret (the provider's scheme)."""
    digest = hashlib.sha1(secret.encode() + body + secret.encode()).digest()  # noqa: S324
    return base64.b64encode(digest).decode("ascii")


def dispatch(state: SandboxState, invoice: Invoice) -> None:
    """Send the invoice as it is now to its callback_url, without blocking the caller."""
    if not invoice.callback_url:
        return
    body = dumps({"data": invoice_resource(invoice, test_mode=state.test_mode)}).encode()
    entry = {"url": invoice.callback_url, "invoice_id": invoice.id, "status": invoice.status,
             "updated": invoice.updated}
    with state.lock:
        generation = state.generation
        enabled = state.callbacks_enabled
    if not enabled:
        state.record_delivery(generation, {**entry, "attempt": 0, "error": "lost"}, "lost")
        return
    thread = threading.Thread(target=_deliver, args=(state, generation, entry, body),
                              name=f"sandbox-callback-{invoice.id}", daemon=True)
    thread.start()


def _deliver(state: SandboxState, generation: int, entry: dict[str, object], body: bytes) -> None:
    headers = {"Content-Type": "application/json", "X-Signature": sign(state.secret_key, body)}
    pauses = (*state.callback_backoff, None)
    for attempt, pause in enumerate(pauses, start=1):
        try:
            answer = requests.post(str(entry["url"]), data=body, headers=headers,
                                   timeout=DELIVERY_TIMEOUT)
            code, error = answer.status_code, None
            answer.close()
        except requests.RequestException as exc:
            code, error = None, type(exc).__name__
        ok = code == 200
        record = {**entry, "attempt": attempt, "http_status": code, "error": error}
        if not state.record_delivery(generation, record, "delivered" if ok else "failed"):
            return
        if ok:
            return
        if pause is None:
            state.record_delivery(generation, {**entry, "attempt": attempt,
                                               "error": "given up"}, "given_up")
            return
        time.sleep(pause)
