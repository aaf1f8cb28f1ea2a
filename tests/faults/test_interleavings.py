"""Random interleavings of submit, approve, callback, poll, recover and fault toggles
(Hypothesis state machine). Invariants hold after every step; once the provider is reachable
again everything resolves to the provider's truth."""

from __future__ import annotations

import contextlib
import time
import uuid
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import _truncate_all, wait_for
from tests.faults.provider_proof import prove
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import ApprovalRefused, approve
from webapp.callbacks.signature import sign
from webapp.extensions import db
from webapp.models import ApprovalLimit, Payout, PayoutStatus, Role, User
from webapp.models.status import FINAL_STATUSES
from webapp.payout_core.create import PayoutDraft, submit_payout
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.polling import run_sync_pass
from webapp.payout_core.recovery import recover_payout
from webapp.sandbox.views import dumps, invoice_resource

S = PayoutStatus
OPERATIONS = ["create", "process", "get", "find"]
FAULTS = ["500_before", "500_after", "timeout", "drop", "malformed", "409", "403", "422"]
AGREES = {
    None: {S.FAILED_TO_CREATE},
    "created": {S.AWAITING_APPROVAL},
    "processed": {S.PROCESSED},
}


class PayoutInterleavings(RuleBasedStateMachine):
    app = None
    sandbox = None
    client = None
    payouts = Bundle("payouts")

    def __init__(self) -> None:
        super().__init__()
        _truncate_all()
        self.sandbox.state.reset()
        self.sandbox.state.callbacks_enabled = False
        self.creator = self._user("olga", Role.OPERATOR)
        self.managers = [self._user("max", Role.MANAGER), self._user("mia", Role.MANAGER)]
        self.final_seen: dict[int, str] = {}
        self.service = provider_client().prerequest("USD", Decimal("10")).service("test_usd")

    def _user(self, name: str, role: Role) -> int:
        user = User(username=name, password_hash="x")
        user.set_roles({role})
        db.session.add(user)
        db.session.flush()
        if role == Role.MANAGER:  # limits fail closed: an explicit "no limit"
            db.session.add(ApprovalLimit(user_id=user.id, currency="*", max_amount=None))
        db.session.commit()
        return user.id

    def _payout(self, payout_id: int) -> Payout:
        db.session.expire_all()
        payout = db.session.get(Payout, payout_id)
        assert payout is not None
        return payout

    @rule(target=payouts, amount=st.sampled_from(["1.00", "10.50", "999.99"]))
    def submit(self, amount: str) -> int:
        draft = PayoutDraft(service=self.service, currency="USD", amount=Decimal(amount),
                            fields={"account": "12345"}, submission_token=str(uuid.uuid4()))
        outcome = submit_payout(draft, db.session.get(User, self.creator))
        assert outcome.payout is not None
        return outcome.payout.id

    @rule(payout_id=payouts, which=st.integers(0, 1))
    def approve_it(self, payout_id: int, which: int) -> None:
        payout = self._payout(payout_id)
        with contextlib.suppress(ApprovalRefused):
            approve(payout_id, db.session.get(User, self.managers[which]), fingerprint_of(payout))

    @rule(payout_id=payouts)
    def callback(self, payout_id: int) -> None:
        payout = self._payout(payout_id)
        state = self.sandbox.state
        with state.lock:
            invoice = state.find(payout.reference_id)
            if invoice is None:
                return
            # What the sandbox would sign and send for this invoice right now.
            body = dumps({"data": invoice_resource(invoice, test_mode=True)}).encode()
        answer = self.client.post("/callbacks/paymega", data=body, csrf=False,
                                  headers={"X-Signature": sign(body, "sk_test_sandbox"),
                                           "Content-Type": "application/json"})
        assert answer.status_code in (200, 400)

    @rule(payout_id=payouts)
    def recover(self, payout_id: int) -> None:
        recover_payout(payout_id)

    @rule()
    def poll_all(self) -> None:
        run_sync_pass(force=True)

    @rule(operation=st.sampled_from(OPERATIONS), fault=st.sampled_from(FAULTS),
          times=st.integers(1, 2))
    def inject(self, operation: str, fault: str, times: int) -> None:
        self.sandbox.state.inject(operation, fault, times=times)

    @rule(seconds=st.sampled_from([0, 1.5]))
    def hold(self, seconds: float) -> None:
        """The provider answers process 2xx and keeps the invoice `created` a while."""
        self.sandbox.state.hold_created_seconds = seconds

    @rule()
    def heal(self) -> None:
        self.sandbox.state.faults.clear()

    @invariant()
    def never_twice(self) -> None:
        """Counted at the provider: every invoice is one payout's, none for a payout the desk
        thinks was never created, no invoice heard process twice, none without approval."""
        proof = prove(self.sandbox)
        assert proof.orphan_invoices == 0, proof
        assert proof.not_created_with_invoice == 0, proof
        assert all(n <= 1 for n in proof.approved_not_once.values()), proof
        assert proof.unapproved_process_calls == 0, proof
        for payout_id, status in db.session.execute(db.select(Payout.id, Payout.status)):
            if payout_id in self.final_seen:
                assert status == self.final_seen[payout_id], "a final status changed"
            elif S(status) in FINAL_STATUSES:
                self.final_seen[payout_id] = status

    def _check_again_where_unknown(self) -> None:
        """What a manager does for a payout left explained and unknown: press "check again"."""
        from webapp.payout_core.recovery import check_again

        unknown = db.session.scalars(db.select(Payout.id).where(
            Payout.status == S.PROCESSING_UNKNOWN.value)).all()
        for payout_id in unknown:
            check_again(payout_id)
        if unknown:
            wait_for(self._settled_at_provider, timeout=5)
            run_sync_pass(force=True)

    def _settled_at_provider(self) -> bool:
        return all(i.status == "processed" or (i.status == "created" and i.held_since is None)
                   for i in self.sandbox.state.invoices.values())

    def teardown(self) -> None:
        self.sandbox.state.faults.clear()
        self.sandbox.state.hold_created_seconds = 0
        time.sleep(self.sandbox.state.slow_seconds + 0.1)  # late requests land
        for _ in range(3):
            run_sync_pass(force=True)
        wait_for(self._settled_at_provider, timeout=5)
        run_sync_pass(force=True)
        self._check_again_where_unknown()
        db.session.expire_all()
        proof = prove(self.sandbox)
        assert proof.problems() == [], proof
        for payout in db.session.scalars(db.select(Payout)):
            provider = self.sandbox.state.find(payout.reference_id)
            provider_status = provider.status if provider else None
            assert payout.status_enum in AGREES[provider_status], (
                payout.status, provider_status)
            if provider is not None:
                assert payout.provider_invoice_id == provider.id


def test_random_interleavings_keep_every_invariant(app, sandbox, client, fault_env):
    sandbox.state.slow_seconds = 0.8
    app.config["PAYMEGA_READ_TIMEOUT"] = 0.3
    PayoutInterleavings.app, PayoutInterleavings.sandbox = app, sandbox
    PayoutInterleavings.client = client
    run_state_machine_as_test(
        PayoutInterleavings,
        settings=settings(max_examples=20, stateful_step_count=10, deadline=None,
                          suppress_health_check=list(HealthCheck), database=None),
    )
