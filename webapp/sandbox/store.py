"""The sandbox's memory: invoices, injected faults and counters, all behind one lock so the
threaded server, the life-cycle timers and the callback threads never see half a change."""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

OPERATIONS = ("prerequest", "create", "process", "get", "find", "list", "services")
FAULTS = (
    "500_before", "500_after", "timeout", "slow", "drop", "malformed",
    "401", "403", "405", "409", "422",
)
ALPHABET = string.ascii_letters + string.digits
# Per-key counters (reference_id for creates and finds, invoice id for the rest).
# `process_requests` counts every process request that arrived; `process_reached` only those
# an injected refusal did not stop before the provider's own logic (what a real provider
# would have seen); `process_accepted` the invoices it actually set going.
_KEYED_COUNTERS = (
    "create_requests", "invoices_stored", "process_requests", "process_reached",
    "process_accepted", "get_requests", "find_requests",
)


def random_token(length: int = 16) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


@dataclass
class Invoice:
    """A stored payout invoice. `fields` are already masked; `test_details` keeps the raw
    `test_details_*` values the test service acts on."""

    id: str
    seq: int
    reference_id: str
    service: str
    method: str
    currency: str
    amount: Decimal
    service_currency: str
    service_amount: Decimal
    exchange_rate: Decimal
    fee: Decimal
    fields: dict[str, str]
    test_details: dict[str, str]
    callback_url: str | None
    description: str | None
    metadata: Any
    customer_id: str | None
    created: int
    updated: int
    status: str = "created"
    resolution: str = "ok"
    processed: int | None = None
    processed_amount: Decimal | None = None
    # Set when a process call was accepted while the sandbox holds invoices in `created`.
    held_since: float | None = None

    @property
    def serial_number(self) -> str:
        return self.id.removeprefix("cpoi_")

    def touch(self) -> None:
        """`updated` strictly increases per invoice, even for two changes within one second."""
        self.updated = max(int(time.time()), self.updated + 1)


@dataclass
class SandboxState:
    public_key: str = "pk_test_sandbox"
    account_id: str = "sandbox"
    secret_key: str = "sk_test_sandbox"  # noqa: S105 (the sandbox's own documented test key)
    lifecycle_delay: float = 1.0
    slow_seconds: float = 3.0
    callback_backoff: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.generation = 0
        self.closed = False
        self.reset()

    @property
    def test_mode(self) -> bool:
        return self.public_key.startswith("pk_test_")

    def reset(self) -> None:
        """Forget invoices, faults, counters and deliveries; re-enable callbacks."""
        with self.lock:
            self.generation += 1
            self.invoices: dict[str, Invoice] = {}
            # Ids oldest first, and each id's place there: the cursor list reads a window
            # without sorting every invoice on every page.
            self.order: list[str | None] = []
            self.place: dict[str, int] = {}
            self.by_reference: dict[str, str] = {}
            self.customers: dict[str, str] = {}
            self.faults: dict[str, list[list[Any]]] = {}
            self.canned: dict[str, list[list[Any]]] = {}  # webapp/sandbox/canned.py
            self.counters: dict[str, Counter[str]] = {n: Counter() for n in _KEYED_COUNTERS}
            self.calls: Counter[str] = Counter()
            self.callback_counts: Counter[str] = Counter()
            self.deliveries: list[dict[str, Any]] = []
            self.callbacks_enabled = True
            # > 0: process answers 2xx but the invoice stays `created` this many seconds
            # (the spec's own sample answer; processing is asynchronous).
            self.hold_created_seconds = 0.0
            # Catalogue changes made behind the desk's back (overrides.py), per service code.
            self.service_overrides: dict[str, dict[str, Any]] = {}
            self._seq = 0
            self.revision = 0  # grows with every stored or changed invoice (persistence.py)

    # -- faults -------------------------------------------------------------------------------
    def inject(self, operation: str, fault: str, times: int = 1) -> None:
        """The next `times` calls of `operation` get `fault` (queued after earlier injections)."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self.lock:
            self.faults.setdefault(operation, []).append([fault, times])

    def take_fault(self, operation: str) -> str | None:
        with self.lock:
            self.calls[operation] += 1
            queue = self.faults.get(operation)
            if not queue:
                return None
            fault, _ = queue[0]
            queue[0][1] -= 1
            if queue[0][1] <= 0:
                queue.pop(0)
            return str(fault)

    def count(self, counter: str, key: str) -> None:
        with self.lock:
            self.counters[counter][key] += 1

    # -- invoices -----------------------------------------------------------------------------
    def customer_id(self, reference: str) -> str:
        with self.lock:
            return self.customers.setdefault(reference, "cus_" + random_token())

    def store(self, **attrs: Any) -> tuple[Invoice, bool]:
        """Store a new invoice unless its reference_id is known: (invoice copy, created?)."""
        with self.lock:
            known = self.by_reference.get(attrs["reference_id"])
            if known is not None:
                return replace(self.invoices[known]), False
            self._seq += 1
            now = int(time.time())
            invoice = Invoice(id="cpoi_" + random_token(), seq=self._seq, created=now,
                              updated=now, **attrs)
            self._keep(invoice)
            self.counters["invoices_stored"][invoice.reference_id] += 1
            self.revision += 1
            return replace(invoice), True

    def _keep(self, invoice: Invoice) -> None:
        self.invoices[invoice.id] = invoice
        self.by_reference[invoice.reference_id] = invoice.id
        self.place[invoice.id] = len(self.order)
        self.order.append(invoice.id)

    def add_outside(self, count: int, make: Any) -> list[str]:
        """Store `count` invoices made elsewhere (`make(seq, now)` returns the attributes):
        another system of the merchant, or the provider's back office. Returns their ids."""
        ids = []
        with self.lock:
            now = int(time.time())
            for _ in range(count):
                self._seq += 1
                attrs = make(self._seq, now)
                invoice = Invoice(id="cpoi_" + random_token(), seq=self._seq, **attrs)
                self._keep(invoice)
                ids.append(invoice.id)
            self.revision += 1
        return ids

    def forget(self, invoice_id: str) -> bool:
        """The provider loses an invoice (for reconciliation's "missing at the provider")."""
        with self.lock:
            invoice = self.invoices.pop(invoice_id, None)
            if invoice is None:
                return False
            self.by_reference.pop(invoice.reference_id, None)
            self.order[self.place.pop(invoice_id)] = None
            self.revision += 1
            return True

    def window(self, after: str | None, before: str | None, size: int
               ) -> tuple[list[Invoice], bool, bool] | None:
        """Newest first: `size` invoices older than `after`, or newer than `before`, or the
        newest. (copies, newer ones exist, older ones exist); None for an unknown cursor."""
        with self.lock:
            order = self.order
            if after:
                if after not in self.place:
                    return None
                top = self.place[after] - 1
            elif before:
                if before not in self.place:
                    return None
                top = None
            else:
                top = len(order) - 1
            found: list[Invoice] = []
            if top is None:  # newer than `before`: walk up, then turn the window over
                position = self.place[before] + 1
                while position < len(order) and len(found) < size:
                    if order[position] is not None:
                        found.append(self.invoices[order[position]])
                    position += 1
                found.reverse()
                newer = any(order[i] is not None for i in range(position, len(order)))
                oldest = self.place[found[-1].id] if found else self.place[before] + 1
                older = any(order[i] is not None for i in range(oldest - 1, -1, -1))
                return [replace(i) for i in found], newer, older
            position = top
            while position >= 0 and len(found) < size:
                if order[position] is not None:
                    found.append(self.invoices[order[position]])
                position -= 1
            older = any(order[i] is not None for i in range(position, -1, -1))
            newest = self.place[found[0].id] if found else top + 1
            newer = any(order[i] is not None for i in range(newest + 1, len(order)))
            return [replace(i) for i in found], newer, older

    def get(self, invoice_id: str) -> Invoice | None:
        with self.lock:
            invoice = self.invoices.get(invoice_id)
            return None if invoice is None else replace(invoice)

    def find(self, reference_id: str) -> Invoice | None:
        with self.lock:
            invoice_id = self.by_reference.get(reference_id)
            return None if invoice_id is None else replace(self.invoices[invoice_id])

    def newest_first(self) -> list[Invoice]:
        with self.lock:
            return [replace(i) for i in sorted(self.invoices.values(), key=lambda i: -i.seq)]

    def change(self, invoice_id: str, expect: str | None = None, **attrs: Any) -> Invoice | None:
        """Apply `attrs` if the invoice exists (and is in status `expect`, when given);
        returns the changed copy, or None when nothing changed."""
        with self.lock:
            invoice = self.invoices.get(invoice_id)
            if invoice is None or (expect is not None and invoice.status != expect):
                return None
            for name, value in attrs.items():
                setattr(invoice, name, value)
            invoice.touch()
            self.revision += 1
            return replace(invoice)

    # -- callbacks ----------------------------------------------------------------------------
    def record_delivery(self, generation: int, entry: dict[str, Any], outcome: str) -> bool:
        """Log one delivery attempt; False when a reset happened since (stop retrying)."""
        with self.lock:
            if generation != self.generation or self.closed:
                return False
            self.deliveries.append(entry)
            self.callback_counts[outcome] += 1
            return True

    def provider_totals(self) -> dict[str, Any]:
        """What the provider holds and heard, independent of any client's bookkeeping: every
        invoice, and per key every create and process request."""
        with self.lock:
            by_reference = Counter(i.reference_id for i in self.invoices.values())
            return {
                "invoices": len(self.invoices),
                "invoices_by_reference": dict(by_reference),
                "create_requests": dict(self.counters["create_requests"]),
                "process_requests": dict(self.counters["process_requests"]),
                "process_reached": dict(self.counters["process_reached"]),
                "process_accepted": dict(self.counters["process_accepted"]),
                "invoice_ids": {i.id: i.reference_id for i in self.invoices.values()},
            }

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                **{name: dict(counter) for name, counter in self.counters.items()},
                "calls": dict(self.calls),
                "callbacks": {
                    "enabled": self.callbacks_enabled,
                    "delivered": self.callback_counts["delivered"],
                    "failed_attempts": self.callback_counts["failed"],
                    "given_up": self.callback_counts["given_up"],
                    "lost": self.callback_counts["lost"],
                },
                "deliveries": [dict(d) for d in self.deliveries],
                "faults": {op: [list(f) for f in q] for op, q in self.faults.items() if q},
                "invoices": len(self.invoices),
                "hold_created_seconds": self.hold_created_seconds,
            }
