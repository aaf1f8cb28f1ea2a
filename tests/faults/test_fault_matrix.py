"""Every operation × every fault the sandbox can inject × one and several attempts, plus a crash
between steps. Each cell asserts: ≤ 1 invoice at the provider, ≤ 1 process call accepted, our
final state equal to the provider's, nothing left unresolved once the provider is reachable."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from tests.conftest import wait_for
from tests.faults.conftest import CELLS, SANDBOX_SLOW, Cell
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core.create import PayoutDraft, store_payout, submit_payout
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.recovery import recover_payout

S = PayoutStatus
FAULTS = ["500_before", "500_after", "timeout", "slow", "drop", "malformed",
          "401", "403", "405", "409", "422"]
REFUSALS = {"401", "403", "405", "422"}
ATTEMPTS = [1, 3]

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
    """Provider reachable again: let late requests land, then recover until nothing changes."""
    sandbox.state.faults.clear()
    if fault in LATE_FAULTS:
        time.sleep(SANDBOX_SLOW + 0.2)
    for _ in range(3):
        recover_payout(payout_id)
    db.session.expire_all()
    return db.session.get(Payout, payout_id)


def _record(operation: str, fault: str, attempts: int, payout: Payout, sandbox) -> Cell:
    state = sandbox.state
    provider_invoice = state.invoices.get(payout.provider_invoice_id or "") or (
        state.find(payout.reference_id))
    provider_status = provider_invoice.status if provider_invoice else None
    cell = Cell(
        operation=operation, fault=fault, attempts=attempts,
        invoices=state.counters["invoices_stored"][payout.reference_id],
        process_calls=state.counters["process_accepted"][provider_invoice.id]
        if provider_invoice else 0,
        final_here=payout.status, provider=str(provider_status),
        unresolved=int(payout.status in {S.CREATION_UNKNOWN, S.PROCESSING_UNKNOWN}),
    )
    CELLS.append(cell)
    assert cell.invoices <= 1
    assert cell.process_calls <= 1
    assert cell.unresolved == 0
    if provider_invoice is not None:
        assert payout.provider_invoice_id == provider_invoice.id
    return cell


def _agrees(payout: Payout, provider_status: str | None) -> bool:
    return payout.status_enum in EXPECTED_FOR_PROVIDER.get(provider_status, set())


@pytest.mark.parametrize("attempts", ATTEMPTS)
@pytest.mark.parametrize("fault", FAULTS)
def test_create(fault, attempts, fault_env, make_user, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    draft = _draft()
    sandbox.state.inject("create", fault, times=attempts)
    outcome = submit_payout(draft, creator)
    assert outcome.payout is not None
    if fault == "422":
        assert outcome.field_errors  # lands on the form
    payout = _settle(sandbox, outcome.payout.id, fault)
    cell = _record("create", fault, attempts, payout, sandbox)
    if fault in REFUSALS:
        assert payout.status == S.FAILED_TO_CREATE and cell.invoices == 0
    else:
        assert cell.invoices == 1 and payout.status == S.AWAITING_APPROVAL
    assert _agrees(payout, None if cell.provider == "None" else cell.provider)


def _approved_payout(make_user, make_payout) -> tuple[Payout, object]:
    payout = make_payout(make_user("olga", Role.OPERATOR), fields={"account": "12345"})
    return payout, make_user("max", Role.MANAGER)


@pytest.mark.parametrize("attempts", ATTEMPTS)
@pytest.mark.parametrize("fault", FAULTS)
def test_process(fault, attempts, fault_env, make_user, make_payout, sandbox):
    payout, manager = _approved_payout(make_user, make_payout)
    sandbox.state.inject("process", fault, times=attempts)
    approve(payout.id, manager, fingerprint_of(payout))
    settled = _settle(sandbox, payout.id, fault)
    if settled.status == S.AWAITING_APPROVAL:  # refused: a manager approves again later
        approve(payout.id, manager, fingerprint_of(settled))
        settled = _settle(sandbox, payout.id)
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    settled = _settle(sandbox, payout.id)
    cell = _record("process", fault, attempts, settled, sandbox)
    assert cell.process_calls == 1 and settled.status == S.PROCESSED


@pytest.mark.parametrize("attempts", ATTEMPTS)
@pytest.mark.parametrize("fault", FAULTS)
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
    assert cell.process_calls == 1 and settled.status == S.PROCESSED


CRASHES = ["before_create_call", "after_create_before_store",
           "after_approval_before_process", "after_process_before_store"]


@pytest.mark.parametrize("crash", CRASHES)
def test_crash_between_steps(crash, fault_env, make_user, make_payout, sandbox):
    """The process dies between two steps; recovery alone finishes the work, once."""
    from webapp.payout_core.invoice_request import invoice_request_for
    from webapp.payout_core.processing import claim_process_request

    if crash.startswith(("before_create", "after_create")):
        payout, _created = store_payout(_draft(), make_user("olga", Role.OPERATOR))
        if crash == "after_create_before_store":
            provider_client().create_invoice(invoice_request_for(payout, None))
        settled = _settle(sandbox, payout.id)
        cell = _record("crash", crash, 1, settled, sandbox)
        assert cell.invoices == 1 and settled.status == S.AWAITING_APPROVAL
        return
    payout, manager = _approved_payout(make_user, make_payout)
    db.session.execute(db.update(Payout).where(Payout.id == payout.id).values(
        status=S.APPROVED.value, approved_by_id=manager.id))
    db.session.commit()
    db.session.refresh(payout)
    assert claim_process_request(payout, [S.APPROVED])
    if crash == "after_process_before_store":
        provider_client().process_invoice(payout.provider_invoice_id)
    _settle(sandbox, payout.id)  # recovery: re-asks only if the provider still shows `created`
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    settled = _settle(sandbox, payout.id)
    cell = _record("crash", crash, 1, settled, sandbox)
    assert cell.process_calls == 1 and settled.status == S.PROCESSED
