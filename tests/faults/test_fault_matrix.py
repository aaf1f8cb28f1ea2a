"""Every operation × every fault the sandbox can inject × one and several attempts, plus a crash
between steps. Each cell is proved at the provider (tests/faults/provider_proof.py): every
invoice there belongs to exactly one desk payout, none for payouts not created, exactly one
process request reached the provider per approved payout and none for others; our final state
equals the provider's and nothing is left unresolved once the provider is reachable.
Cells that would repeat another exactly are left out: a refusal (401, 403, 405, 422) is never
retried, so refusing three calls in a row plays out exactly like refusing one."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
from flask import current_app

from tests.conftest import wait_for
from tests.faults.conftest import CELLS, SANDBOX_SLOW, Cell
from tests.faults.provider_proof import prove
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.models.base import utcnow
from webapp.payout_core.create import PayoutDraft, store_payout, submit_payout
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.recovery import recover_payout

S = PayoutStatus
FAULTS = ["500_before", "500_after", "timeout", "slow", "drop", "malformed",
          "401", "403", "405", "409", "422"]
REFUSALS = {"401", "403", "405", "422"}
ATTEMPTS = [1, 3]
CELL_PARAMS = [pytest.param(fault, attempts, id=f"{fault}-x{attempts}")
               for fault in FAULTS for attempts in ATTEMPTS
               if not (fault in REFUSALS and attempts > 1)]

# What our status should be for what the provider shows, once everything settled.
EXPECTED_FOR_PROVIDER = {
    None: {S.FAILED_TO_CREATE},
    "created": {S.AWAITING_APPROVAL},
    "processing": {S.PROCESSING},
    "processed": {S.PROCESSED},
}


def _draft() -> PayoutDraft:
    service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")
    assert service is not None
    return PayoutDraft(service=service, currency="USD", amount=Decimal("10.00"),
                       fields={"account": "12345"}, submission_token=str(uuid.uuid4()))


LATE_FAULTS = {"slow", "timeout"}  # the sandbox is still working after the client gave up


def _settle(sandbox, payout_id: int, fault: str = "") -> Payout:
    """Provider reachable again: let late requests land, then (as after the grace period, when
    nothing can still be on its way) recover until nothing changes."""
    sandbox.state.faults.clear()
    if fault in LATE_FAULTS:
        time.sleep(SANDBOX_SLOW + 0.2)
    current_app.config["RECOVERY_GRACE_SECONDS"] = 0
    for _ in range(3):
        recover_payout(payout_id)
    db.session.expire_all()
    return db.session.get(Payout, payout_id)


def _record(operation: str, fault: str, attempts: int, payout: Payout, sandbox,
            cells: list[Cell] = CELLS) -> Cell:
    """Prove the cell at the provider and note it for the printed table (asserts nothing)."""
    state = sandbox.state
    provider_invoice = state.invoices.get(payout.provider_invoice_id or "") or (
        state.find(payout.reference_id))
    cell = Cell(
        operation=operation, fault=fault, attempts=attempts, final_here=payout.status,
        provider=str(provider_invoice.status if provider_invoice else None),
        unresolved=int(payout.status in {S.CREATION_UNKNOWN, S.PROCESSING_UNKNOWN}),
        proof=prove(sandbox),
    )
    cells.append(cell)
    return cell


def _assert_ok(cell: Cell, payout: Payout, sandbox) -> None:
    assert cell.ok, cell.problems
    provider_invoice = sandbox.state.find(payout.reference_id)
    if provider_invoice is not None:
        assert payout.provider_invoice_id == provider_invoice.id


def _agrees(payout: Payout, provider_status: str | None) -> bool:
    return payout.status_enum in EXPECTED_FOR_PROVIDER.get(provider_status, set())


def run_create_cell(fault: str, attempts: int, creator, sandbox,
                    cells: list[Cell] = CELLS) -> tuple[Cell, Payout, list]:
    """Submit one payout while create fails `attempts` times with `fault`; settle; prove."""
    sandbox.state.inject("create", fault, times=attempts)
    outcome = submit_payout(_draft(), creator)
    assert outcome.payout is not None
    payout = _settle(sandbox, outcome.payout.id, fault)
    return _record("create", fault, attempts, payout, sandbox, cells), payout, (
        outcome.field_errors)


@pytest.mark.parametrize(("fault", "attempts"), CELL_PARAMS)
def test_create(fault, attempts, fault_env, make_user, sandbox):
    cell, payout, field_errors = run_create_cell(
        fault, attempts, make_user("olga", Role.OPERATOR), sandbox)
    _assert_ok(cell, payout, sandbox)
    if fault == "422":
        assert field_errors  # lands on the form
    if fault in REFUSALS:
        assert payout.status == S.FAILED_TO_CREATE and cell.proof.provider_invoices == 0
    else:
        assert cell.proof.provider_invoices == 1 and payout.status == S.AWAITING_APPROVAL
    assert _agrees(payout, None if cell.provider == "None" else cell.provider)


def _approved_payout(make_user, make_payout) -> tuple[Payout, object]:
    payout = make_payout(make_user("olga", Role.OPERATOR), fields={"account": "12345"})
    return payout, make_user("max", Role.MANAGER)


@pytest.mark.parametrize(("fault", "attempts"), CELL_PARAMS)
def test_process(fault, attempts, fault_env, make_user, make_payout, client_for, sandbox):
    payout, manager = _approved_payout(make_user, make_payout)
    sandbox.state.inject("process", fault, times=attempts)
    approve(payout.id, manager, fingerprint_of(payout))
    settled = _settle(sandbox, payout.id, fault)
    if settled.status == S.AWAITING_APPROVAL:  # refused: a manager approves again later
        approve(payout.id, manager, fingerprint_of(settled))
        settled = _settle(sandbox, payout.id)
    if settled.status == S.PROCESSING_UNKNOWN:  # explained; the manager presses "check again"
        answer = client_for("max").post(f"/payouts/{payout.id}/check")
        assert answer.status_code == 303
        settled = _settle(sandbox, payout.id)
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    settled = _settle(sandbox, payout.id)
    cell = _record("process", fault, attempts, settled, sandbox)
    _assert_ok(cell, settled, sandbox)
    assert settled.status == S.PROCESSED


@pytest.mark.parametrize(("fault", "attempts"), CELL_PARAMS)
def test_status_read(fault, attempts, fault_env, make_user, make_payout, sandbox):
    payout, manager = _approved_payout(make_user, make_payout)
    approve(payout.id, manager, fingerprint_of(payout))
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    sandbox.state.inject("get", fault, times=attempts)
    sandbox.state.inject("find", fault, times=attempts)
    recover_payout(payout.id)  # reads fail or succeed; nothing may be sent because of it
    settled = _settle(sandbox, payout.id, fault)
    cell = _record("read", fault, attempts, settled, sandbox)
    _assert_ok(cell, settled, sandbox)
    assert settled.status == S.PROCESSED


CRASHES = ["before_create_call", "after_create_before_store",
           "after_approval_before_process", "after_process_before_store"]


@pytest.mark.parametrize("crash", CRASHES)
def test_crash_between_steps(crash, fault_env, make_user, make_payout, sandbox):
    """The process dies between two steps; recovery alone finishes the work, once."""
    from webapp.payout_core.invoice_request import invoice_request_for

    if crash.startswith(("before_create", "after_create")):
        payout, _created = store_payout(_draft(), make_user("olga", Role.OPERATOR))
        if crash == "after_create_before_store":
            provider_client().create_invoice(invoice_request_for(payout, None))
        settled = _settle(sandbox, payout.id)
        cell = _record("crash", crash, 1, settled, sandbox)
        _assert_ok(cell, settled, sandbox)
        assert cell.proof.provider_invoices == 1 and settled.status == S.AWAITING_APPROVAL
        return
    payout, manager = _approved_payout(make_user, make_payout)
    # The approval's claim, as approve() takes it; then the process dies.
    db.session.execute(db.update(Payout).where(Payout.id == payout.id).values(
        status=S.APPROVED.value, approved_by_id=manager.id, process_requests=1,
        process_requested_at=utcnow()))
    db.session.commit()
    db.session.refresh(payout)
    if crash == "after_process_before_store":
        provider_client().process_invoice(payout.provider_invoice_id)
    _settle(sandbox, payout.id)  # recovery: re-asks only if the provider still shows `created`
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    settled = _settle(sandbox, payout.id)
    cell = _record("crash", crash, 1, settled, sandbox)
    _assert_ok(cell, settled, sandbox)
    assert settled.status == S.PROCESSED
