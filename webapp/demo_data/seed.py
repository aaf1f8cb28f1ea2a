"""Fill an empty demo desk through the real services, against the sandbox.

Payouts are created with `submit_payout`, decided with `approve`/`reject`, read back with the
polling backstop's `sync_payout`; batches are uploaded, submitted, approved and run by the batch
services. The one step outside the rules, done afterwards and only here: created times (of
payouts, their timelines and batches) are moved into the past so the desk shows some weeks of
work. Audit entries keep the true time they were written (the audit log is append-only).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import requests
from sqlalchemy import select, update

from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve, reject
from webapp.audit import record
from webapp.auth.services import find_user
from webapp.batches.approval import approve_batch
from webapp.batches.approval import fingerprint_of as batch_fingerprint
from webapp.batches.jobs import run_batch
from webapp.batches.services import create_batch, read_file, resolve_service, submit_batch
from webapp.demo_data.plan import (
    FINISHED_BATCH,
    FINISHED_BATCH_DAYS_AGO,
    PAYOUTS,
    WAITING_BATCH,
    WAITING_BATCH_DAYS_AGO,
    Planned,
)
from webapp.demo_data.reconciliation import seed_reconciliation
from webapp.extensions import db
from webapp.models import AuditEvent, Batch, BatchRow, Payout, PayoutEvent, User
from webapp.payout_core.create import PayoutDraft, submit_payout
from webapp.payout_core.prerequest import fetch_prerequest
from webapp.payout_core.recovery import sync_payout

MARKER = "demo_data_seeded"
SETTLE_SECONDS = 15.0  # how long to wait for the sandbox to finish what was approved


@dataclass
class SeedReport:
    payouts: int = 0
    batches: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def already_seeded() -> bool:
    """Seeded before, or a desk with payouts of its own: either way, add nothing."""
    marker = db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == MARKER).limit(1))
    return marker is not None or db.session.scalar(select(Payout.id).limit(1)) is not None


def _user(name: str) -> User:
    user = find_user(name)
    if user is None:
        raise LookupError(f"demo user {name} is missing")
    return user


def _create(plan: Planned) -> Payout:
    service = fetch_prerequest(plan.currency, plan.amount).service(plan.service)
    if service is None:
        raise LookupError(f"the provider offers no {plan.service} for {plan.amount}")
    draft = PayoutDraft(service=service, currency=plan.currency, amount=plan.amount,
                        fields=dict(plan.fields), submission_token=str(uuid.uuid4()),
                        description=plan.note if plan.outcome != "rejected" else None)
    outcome = submit_payout(draft, _user(plan.creator))
    assert outcome.payout is not None and not outcome.field_errors, outcome.field_errors
    return outcome.payout


def _lose_next_process_answer(sandbox_url: str) -> None:
    """The sandbox performs the next process call, then answers 500: its outcome is unknown."""
    requests.post(f"{sandbox_url}/_sandbox/faults", timeout=5,
                  json={"operation": "process", "fault": "500_after"}).raise_for_status()


def _decide(plan: Planned, payout: Payout, sandbox_url: str) -> None:
    manager = _user(plan.decider)
    if plan.outcome == "waiting":
        return
    if plan.outcome == "rejected":
        reject(payout.id, manager, plan.note, fingerprint_of(payout))
        return
    if plan.outcome == "unknown":
        _lose_next_process_answer(sandbox_url)
    approve(payout.id, manager, fingerprint_of(payout))


def _settle(payout_ids: list[int]) -> None:
    """Read approved payouts back until the sandbox has finished them (bounded)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    open_ids = list(payout_ids)
    while open_ids and time.monotonic() < deadline:
        time.sleep(0.5)
        for payout_id in open_ids:
            sync_payout(payout_id, source="polled")
        db.session.expire_all()
        open_ids = [i for i in open_ids if not db.session.get(Payout, i).is_final]


def _backdate_payout(payout_id: int, days: float) -> None:
    shift = timedelta(days=days)
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    assert payout is not None
    values = {"created_at": payout.created_at - shift, "updated_at": payout.updated_at - shift}
    if payout.approved_at is not None:
        values["approved_at"] = payout.approved_at - shift
    if payout.rejected_at is not None:
        values["rejected_at"] = payout.rejected_at - shift
    db.session.execute(update(Payout).where(Payout.id == payout_id).values(**values))
    for event in db.session.scalars(select(PayoutEvent).where(PayoutEvent.payout_id == payout_id)):
        event.at = event.at - shift
    db.session.commit()


def _batch_file(rows: tuple[tuple[str, str], ...], note: str) -> bytes:
    lines = ["account,amount,description"]
    lines += [f"{account},{amount},{note}" for account, amount in rows]
    return ("\n".join(lines) + "\n").encode()


def _batch(creator: str, rows: tuple[tuple[str, str], ...], note: str) -> Batch:
    total = sum((Decimal(a) for _, a in rows), Decimal(0))
    service = resolve_service("USD", total, "test_usd")
    assert service is not None
    name = f"{note.lower().replace(' ', '-')}.csv"
    report = read_file(name, _batch_file(rows, note), service, "USD", "en")
    batch = create_batch(_user(creator), service, "USD", name, report, "en")
    assert submit_batch(batch, _user(creator))
    return batch


def _backdate_batch(batch_id: int, days: float) -> None:
    shift = timedelta(days=days)
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    assert batch is not None
    for name in ("created_at", "updated_at", "submitted_at", "approved_at", "finished_at"):
        moment = getattr(batch, name)
        if moment is not None:
            setattr(batch, name, moment - shift)
    db.session.commit()
    payout_ids = db.session.scalars(select(BatchRow.payout_id).where(
        BatchRow.batch_id == batch_id, BatchRow.payout_id.is_not(None)))
    for payout_id in list(payout_ids):
        _backdate_payout(payout_id, days)


def seed_demo_data(sandbox_url: str) -> SeedReport | None:
    """Create the demo desk once; None when there is one already."""
    if already_seeded():
        return None
    report = SeedReport()
    created: list[tuple[Planned, int]] = []
    for plan in PAYOUTS:
        payout = _create(plan)
        _decide(plan, payout, sandbox_url)
        created.append((plan, payout.id))
    finished = _batch("operator", FINISHED_BATCH, "Affiliate payouts week 47")
    approve_batch(finished.id, _user("manager2"), batch_fingerprint(finished))
    run_batch(finished.id)
    waiting = _batch("operator2", WAITING_BATCH, "Courier payouts")
    batch_payouts = list(db.session.scalars(select(BatchRow.payout_id).where(
        BatchRow.batch_id == finished.id, BatchRow.payout_id.is_not(None))))
    _settle([i for plan, i in created if plan.outcome in ("processed", "failed")]
            + batch_payouts)
    for plan, payout_id in created:
        _backdate_payout(payout_id, plan.days_ago)
    _backdate_batch(finished.id, FINISHED_BATCH_DAYS_AGO)
    _backdate_batch(waiting.id, WAITING_BATCH_DAYS_AGO)
    seed_reconciliation(sandbox_url)  # one run with a difference of every kind
    db.session.expire_all()
    for payout in db.session.scalars(select(Payout)):
        report.by_status[payout.status] = report.by_status.get(payout.status, 0) + 1
    report.payouts = sum(report.by_status.values())
    report.batches = 2
    record(MARKER, actor=None, details={"count": report.payouts, "batches": report.batches})
    db.session.commit()
    return report
