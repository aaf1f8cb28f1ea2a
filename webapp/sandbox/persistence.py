"""Keep the sandbox's invoices in a file between runs (the demo's `make run`), so payouts the
desk created yesterday are still known to the provider today. Tests run without it.

JSON, written whole to a temporary file and renamed into place: a crash leaves the previous
copy. Invoices still `processing` when the file was read get their final status scheduled again.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from webapp.sandbox import lifecycle
from webapp.sandbox.store import Invoice, SandboxState

_DECIMALS = {f.name for f in fields(Invoice) if "Decimal" in str(f.type)}


def _encode(invoice: Invoice) -> dict[str, Any]:
    data = asdict(invoice)
    for name in _DECIMALS:
        if data[name] is not None:
            data[name] = str(data[name])
    return data


def _decode(data: dict[str, Any]) -> Invoice:
    known = {f.name for f in fields(Invoice)}
    values = {k: v for k, v in data.items() if k in known}
    for name in _DECIMALS:
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return Invoice(**values)


def save(state: SandboxState, path: Path) -> None:
    with state.lock:
        document = {"seq": state._seq, "customers": dict(state.customers),
                    "invoices": [_encode(i) for i in state.invoices.values()]}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    os.replace(temporary, path)


def load(state: SandboxState, path: Path) -> int:
    """Read what `save` wrote (nothing when the file is missing); returns the invoice count."""
    if not path.exists():
        return 0
    document = json.loads(path.read_text(encoding="utf-8"))
    with state.lock:
        for invoice in sorted((_decode(d) for d in document.get("invoices", [])),
                              key=lambda i: i.seq):
            state._keep(invoice)
        state.customers.update(document.get("customers", {}))
        state._seq = max(state._seq, int(document.get("seq", 0)))
        unfinished = [i.id for i in state.invoices.values() if i.status == "processing"]
    for invoice_id in unfinished:
        timer = threading.Timer(state.lifecycle_delay, lifecycle.finish, args=(state, invoice_id))
        timer.daemon = True
        timer.start()
    return len(state.invoices)


def keep_saved(state: SandboxState, path: Path, stop: threading.Event,
               every: float = 0.5) -> threading.Thread:
    """Save whenever the invoices changed, until `stop` is set (then once more)."""

    def loop() -> None:
        saved = -1
        while True:
            stopping = stop.wait(every)
            if state.revision != saved:
                saved = state.revision
                save(state, path)
            if stopping:
                return

    thread = threading.Thread(target=loop, name="sandbox-persistence", daemon=True)
    thread.start()
    return thread
