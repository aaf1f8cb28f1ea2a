"""Fault-matrix fixtures: a quick client timeout, a sandbox that is slow beyond it, and a
collector whose table is printed at the end of the run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

CLIENT_TIMEOUT = 0.5
SANDBOX_SLOW = 1.2


@dataclass
class Cell:
    operation: str
    fault: str
    attempts: int
    invoices: int
    process_calls: int
    final_here: str
    provider: str
    unresolved: int

    @property
    def ok(self) -> bool:
        return self.invoices <= 1 and self.process_calls <= 1 and self.unresolved == 0


CELLS: list[Cell] = []


@pytest.fixture
def fault_env(app, sandbox) -> Iterator[None]:
    saved = {k: app.config.get(k) for k in
             ("PAYMEGA_READ_TIMEOUT", "RECOVERY_BACKOFF_SECONDS", "RECOVERY_GRACE_SECONDS")}
    app.config.update(PAYMEGA_READ_TIMEOUT=CLIENT_TIMEOUT, RECOVERY_BACKOFF_SECONDS=0.01,
                      RECOVERY_GRACE_SECONDS=0)
    sandbox.state.slow_seconds = SANDBOX_SLOW
    sandbox.state.callbacks_enabled = False
    yield
    time.sleep(0)  # late requests are awaited inside the tests, before their assertions
    app.config.update(saved)
    sandbox.state.slow_seconds = 3.0


def print_fault_table(terminalreporter) -> None:
    if not CELLS:
        return
    write = terminalreporter.write_line
    write("")
    write("Fault matrix: operation x fault x attempts")
    write(f"{'operation':<10} {'fault':<11} {'tries':>5} {'invoices':>8} {'process':>7} "
          f"{'here':<20} {'provider':<12} {'unresolved':>10}  ok")
    for c in sorted(CELLS, key=lambda c: (c.operation, c.fault, c.attempts)):
        write(f"{c.operation:<10} {c.fault:<11} {c.attempts:>5} {c.invoices:>8} "
              f"{c.process_calls:>7} {c.final_here:<20} {c.provider:<12} {c.unresolved:>10}"
              f"  {'yes' if c.ok else 'NO'}")
    dup_invoices = sum(1 for c in CELLS if c.invoices > 1)
    dup_process = sum(1 for c in CELLS if c.process_calls > 1)
    lost = sum(c.unresolved for c in CELLS)
    write(f"cells: {len(CELLS)}, duplicate invoices: {dup_invoices}, "
          f"duplicate process calls: {dup_process}, payouts lost: {lost}")
