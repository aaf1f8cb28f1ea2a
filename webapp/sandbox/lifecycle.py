"""The invoice life cycle: created → processing → (after `lifecycle_delay`) a final status.

The test service obeys its `test_details_*` fields so a tester can ask for any outcome. Their
published regexp allows letters, spaces and hyphens only, so "process failed",
"Process-Failed" and "process_failed" all mean the status `process_failed`."""

from __future__ import annotations

import random
import re
import threading
import time

from webapp.sandbox import callbacks
from webapp.sandbox.store import Invoice, SandboxState

SUCCESS = ("processed", "ok")
FAILED = "process_failed"
# The resolution a failing status gets when the tester names none.
FAILING_RESOLUTIONS = {
    "process_failed": "declined_error", "process_error": "general_error",
    "expired": "operation_expired", "terminated": "general_fatal_error",
    "canceled": "declined_error", "partially_canceled": "declined_error",
    "cancel_failed": "general_error",
}
_rng = random.SystemRandom()


def normalise(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip()).lower()


def outcome(invoice: Invoice) -> tuple[str, str]:
    """(status, resolution) the invoice ends with."""
    details = invoice.test_details
    status = normalise(details.get("test_details_payout_status") or "")
    resolution = normalise(details.get("test_details_payout_resolution") or "")
    if not status:
        rate_text = (details.get("test_details_success_rate") or "").strip()
        if rate_text.isdigit():
            status = SUCCESS[0] if _rng.uniform(0, 100) < int(rate_text) else FAILED
        else:
            status = SUCCESS[0]
    if not resolution:
        resolution = FAILING_RESOLUTIONS.get(status, SUCCESS[1])
    return status, resolution


def accept_and_hold(state: SandboxState, invoice_id: str) -> Invoice | None:
    """Hold mode: answer a process call for a `created` invoice with the invoice unchanged
    (still `created`, as the spec's sample shows) and start processing only after
    `hold_created_seconds`. A repeated call while held is answered the same way: nothing on
    the provider's side stops a client that sends process twice. None when not `created`."""
    with state.lock:
        current = state.invoices.get(invoice_id)
        if current is None or current.status != "created":
            return None
        if current.held_since is None:
            current.held_since = time.monotonic()
            state.count("process_accepted", invoice_id)
            timer = threading.Timer(state.hold_created_seconds, start_processing,
                                    args=(state, invoice_id), kwargs={"counted": True})
            timer.name = f"sandbox-hold-{invoice_id}"
            timer.daemon = True
            timer.start()
        return state.get(invoice_id)


def start_processing(state: SandboxState, invoice_id: str, *,
                     counted: bool = False) -> Invoice | None:
    """Move a `created` invoice to `processing` (once, however many callers race); schedule
    its final status. None when the invoice is not in status `created`. `counted`: the
    acceptance was already counted (a held invoice whose hold ended)."""
    invoice = state.change(invoice_id, expect="created", status="processing", resolution="ok")
    if invoice is None:
        return None
    if not counted:
        state.count("process_accepted", invoice_id)
    callbacks.dispatch(state, invoice)
    timer = threading.Timer(state.lifecycle_delay, finish, args=(state, invoice_id))
    timer.name = f"sandbox-lifecycle-{invoice_id}"
    timer.daemon = True
    timer.start()
    return invoice


def finish(state: SandboxState, invoice_id: str) -> None:
    """Give a `processing` invoice its final status (no-op if it was reset away)."""
    current = state.get(invoice_id)
    if current is None or current.status != "processing":
        return
    status, resolution = outcome(current)
    changes: dict[str, object] = {"status": status, "resolution": resolution}
    if status in ("processed", "partially_processed"):
        changes.update(processed=int(time.time()), processed_amount=current.amount)
    invoice = state.change(invoice_id, expect="processing", **changes)
    if invoice is not None:
        callbacks.dispatch(state, invoice)
