"""A mutation check: the fault matrix must fail a deliberately broken recovery.

The mutant re-creates a payout whose create answer was lost under a fresh reference_id instead
of looking it up. The provider accepts that (a new reference is a new invoice), so a matrix that
counted invoices per reference would stay green; the provider-side proof must report the
orphaned first invoice as a duplicate."""

from __future__ import annotations

import uuid

import pytest

from tests.faults.conftest import MUTANT_CELLS
from tests.faults.test_fault_matrix import run_create_cell
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payout_core import recovery
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import invoice_request_for
from webapp.payout_core.state import apply_invoice

S = PayoutStatus
# The provider stored the invoice but the desk never heard the answer.
LOST_ANSWERS = ["500_after", "timeout", "slow", "drop", "malformed"]


def recreate_under_fresh_reference(payout_id: int) -> None:
    """The broken recovery: no look-up by reference, a new reference, a new invoice."""
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None or payout.status_enum != S.CREATION_UNKNOWN:
        return
    payout.reference_id = str(uuid.uuid4())
    db.session.commit()
    invoice = provider_client().create_invoice(invoice_request_for(payout, None))
    apply_invoice(payout, invoice, source="adopted")
    db.session.commit()


@pytest.fixture
def mutant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery, "resolve_creation", recreate_under_fresh_reference)


@pytest.mark.parametrize("fault", LOST_ANSWERS)
def test_the_matrix_reports_duplicates_for_a_recovery_that_recreates(
        fault, mutant, fault_env, make_user, sandbox):
    cell, payout, _errors = run_create_cell(fault, 1, make_user("olga", Role.OPERATOR),
                                            sandbox, MUTANT_CELLS)
    assert payout.status == S.AWAITING_APPROVAL  # the desk itself looks perfectly happy
    assert sandbox.state.find(payout.reference_id) is not None  # one invoice per reference
    assert not cell.ok
    assert cell.proof.duplicates == 1
    assert cell.proof.provider_invoices == 2 and cell.proof.desk_invoices == 1
    assert any("no payout holds" in problem for problem in cell.problems)
