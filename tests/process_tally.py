"""Process calls per approved payout, counted at the provider over the money-path tests.

After each test in the watched directories the sandbox's own count of process requests that
reached it is set against the desk's approved payouts. The terminal summary prints the
ratio (it must be exactly 1.00) and every test where a payout got other than one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WATCHED = ("approvals", "faults", "batches", "tracking")
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "process-calls.txt"


@dataclass
class Tally:
    tests: int = 0
    approved: int = 0
    calls: int = 0
    stray_calls: int = 0  # process requests for invoices of payouts nobody approved
    off: list[str] = field(default_factory=list)

    def add(self, nodeid: str, per_payout: dict[int, int], stray: int) -> None:
        self.tests += 1
        self.approved += len(per_payout)
        self.calls += sum(per_payout.values())
        self.stray_calls += stray
        wrong = {pid: n for pid, n in per_payout.items() if n != 1}
        if wrong or stray:
            self.off.append(f"{nodeid}: calls per payout {wrong}, stray {stray}")

    def as_dict(self) -> dict[str, Any]:
        return {"tests": self.tests, "approved": self.approved, "calls": self.calls,
                "stray_calls": self.stray_calls, "off": list(self.off)}

    def merge(self, other: dict[str, Any]) -> None:
        """Add a pytest-xdist worker's tally (sent back through `workeroutput`)."""
        self.tests += other["tests"]
        self.approved += other["approved"]
        self.calls += other["calls"]
        self.stray_calls += other["stray_calls"]
        self.off += other["off"]

    def lines(self) -> list[str]:
        ratio = self.calls / self.approved if self.approved else 0.0
        lines = [
            f"process calls per approved payout (at the sandbox, {', '.join(WATCHED)}): "
            f"{ratio:.2f}  ({self.calls} calls / {self.approved} approved payouts, "
            f"{self.tests} tests, stray calls {self.stray_calls})",
        ]
        lines += [f"  off: {line}" for line in self.off]
        return lines


TALLY = Tally()


def watched(nodeid: str) -> bool:
    parts = nodeid.split("/")
    return len(parts) > 2 and parts[0] == "tests" and parts[1] in WATCHED


def record(nodeid: str, app: Any, sandbox: Any) -> None:
    """Count this test's approved payouts and the process requests their invoices got."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Payout

    reached: dict[str, int] = sandbox.state.provider_totals()["process_reached"]
    with app.app_context():
        try:
            rows = db.session.execute(
                select(Payout.id, Payout.provider_invoice_id, Payout.approved_by_id)).all()
        finally:
            db.session.remove()
    approved = {pid: invoice for pid, invoice, approver in rows
                if approver is not None and invoice is not None}
    per_payout = {pid: reached.get(invoice, 0) for pid, invoice in approved.items()}
    stray = sum(n for invoice, n in reached.items() if invoice not in approved.values())
    if per_payout or stray:
        TALLY.add(nodeid, per_payout, stray)


def report(terminalreporter: Any) -> None:
    if not TALLY.tests:
        return
    terminalreporter.section("process calls at the provider")
    for line in TALLY.lines():
        terminalreporter.write_line(line)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text("\n".join(TALLY.lines()) + "\n", encoding="utf-8")
