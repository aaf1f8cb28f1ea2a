"""Fault-matrix fixtures: a quick client timeout, a sandbox that is slow beyond it, and a
collector whose table is printed at the end of the run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.provider_proof import ProviderProof

CLIENT_TIMEOUT = 0.5
SANDBOX_SLOW = 1.2


@dataclass
class Cell:
    """One cell of the matrix: the desk's final state and the provider-side proof."""

    operation: str
    fault: str
    attempts: int
    final_here: str
    provider: str
    unresolved: int
    proof: ProviderProof

    @property
    def problems(self) -> list[str]:
        found = self.proof.problems()
        if self.unresolved:
            found.append("payout left unresolved")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


CELLS: list[Cell] = []
MUTANT_CELLS: list[Cell] = []  # the deliberately broken recovery (must fail)


@pytest.fixture
def fault_env(app, sandbox) -> Iterator[None]:
    saved = {k: app.config.get(k) for k in
             ("PAYMEGA_READ_TIMEOUT", "RECOVERY_BACKOFF_SECONDS", "RECOVERY_GRACE_SECONDS")}
    app.config.update(PAYMEGA_READ_TIMEOUT=CLIENT_TIMEOUT, RECOVERY_BACKOFF_SECONDS=0.01,
                      RECOVERY_GRACE_SECONDS=SANDBOX_SLOW)
    sandbox.state.slow_seconds = SANDBOX_SLOW
    sandbox.state.callbacks_enabled = False
    yield
    time.sleep(0)  # late requests are awaited inside the tests, before their assertions
    app.config.update(saved)
    sandbox.state.slow_seconds = 3.0


def _cell_line(c: Cell) -> str:
    p = c.proof
    return (f"{c.operation:<8} {c.fault:<26} {c.attempts:>5} {p.provider_invoices:>8} "
            f"{p.desk_invoices:>5} {p.orphan_invoices:>4} {p.create_requests:>7} "
            f"{p.process_calls:>7} {p.approved:>8} {c.final_here:<19} {c.provider:<10}"
            f"  {'yes' if c.ok else 'NO'}")


def _totals_line(cells: list[Cell]) -> str:
    invoices = sum(c.proof.provider_invoices for c in cells)
    desk = sum(c.proof.desk_invoices for c in cells)
    duplicates = sum(c.proof.duplicates for c in cells)
    creates = sum(c.proof.create_requests for c in cells)
    calls = sum(c.proof.process_calls for c in cells)
    approved = sum(c.proof.approved for c in cells)
    not_once = sum(len(c.proof.approved_not_once) for c in cells)
    lost = sum(c.unresolved for c in cells)
    ratio = f"{calls / approved:.2f}" if approved else "-"
    return (f"cells: {len(cells)}, provider invoices: {invoices} for {desk} desk payouts with "
            f"an invoice, duplicate invoices: {duplicates}, create requests: {creates}, "
            f"process calls: {calls} for {approved} approved payouts ({ratio} each; "
            f"not exactly one: {not_once}), payouts lost: {lost}, "
            f"failing cells: {sum(1 for c in cells if not c.ok)}")


def print_fault_table(terminalreporter) -> None:
    if not CELLS and not MUTANT_CELLS:
        return
    write = terminalreporter.write_line
    write("")
    write("Fault matrix: operation x fault x attempts, counted at the provider")
    write(f"{'op':<8} {'fault':<26} {'tries':>5} {'prov.inv':>8} {'desk':>5} {'orph':>4} "
          f"{'creates':>7} {'process':>7} {'approved':>8} {'here':<19} {'provider':<10}  ok")
    for c in sorted(CELLS, key=lambda c: (c.operation, c.fault, c.attempts)):
        write(_cell_line(c))
    if CELLS:
        write(_totals_line(CELLS))
    if MUTANT_CELLS:
        write("Mutant (recovery re-creates under a fresh reference); the matrix must fail it:")
        for c in MUTANT_CELLS:
            write(_cell_line(c))
        write(_totals_line(MUTANT_CELLS))
