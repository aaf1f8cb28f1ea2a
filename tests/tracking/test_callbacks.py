"""Signed callbacks: verified, deduplicated, fetched before trusted, never moving a final back."""

from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import wait_for
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import approve
from webapp.callbacks.signature import sign
from webapp.extensions import db
from webapp.models import CallbackLog, Payout, PayoutStatus, Role
from webapp.payout_core.polling import run_sync_pass

S = PayoutStatus
SECRET = "sk_test_sandbox"


def invoice_body(sandbox, invoice_id: str) -> bytes:
    """The invoice resource exactly as the sandbox would send it in a callback."""
    response = requests.get(f"{sandbox.url}/payout-invoices/{invoice_id}",
                            auth=("sandbox", SECRET), timeout=5)
    response.raise_for_status()
    return response.content


def post_callback(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post("/callbacks/paymega", data=body, headers=headers, csrf=False)


@pytest.fixture
def approved_payout(make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    sandbox.state.callbacks_enabled = False  # these tests deliver callbacks by hand
    approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    return db.session.get(Payout, payout.id)


def test_a_valid_callback_is_recorded_and_applied_after_reading_the_invoice(
        client, approved_payout, sandbox):
    body = invoice_body(sandbox, approved_payout.provider_invoice_id)
    gets_before = sandbox.state.counters["get_requests"][approved_payout.provider_invoice_id]
    response = post_callback(client, body, sign(body, SECRET))
    assert response.status_code == 200
    entry = db.session.scalar(db.select(CallbackLog))
    assert entry.raw_body == body.decode() and entry.payout_id == approved_payout.id
    assert entry.outcome == "applied"
    db.session.expire_all()
    assert db.session.get(Payout, approved_payout.id).status == S.PROCESSED
    # fetch before trust: the app read the invoice from the provider
    assert sandbox.state.counters["get_requests"][approved_payout.provider_invoice_id] \
        == gets_before + 1


@pytest.mark.parametrize("mangle", ["missing", "wrong", "altered_body", "other_secret"])
def test_a_bad_signature_gets_403_and_changes_nothing(mangle, client, approved_payout, sandbox):
    body = invoice_body(sandbox, approved_payout.provider_invoice_id)
    signature: str | None = sign(body, SECRET)
    if mangle == "missing":
        signature = None
    elif mangle == "wrong":
        signature = "AAAA" + signature[4:]
    elif mangle == "altered_body":
        body = body[:-2] + bytes([body[-2] ^ 1]) + body[-1:]
    else:
        signature = sign(body, "sk_test_someone_else")
    response = post_callback(client, body, signature)
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(CallbackLog.id))) == 0
    db.session.expire_all()
    assert db.session.get(Payout, approved_payout.id).status == S.PROCESSING


def test_a_replayed_callback_is_recorded_once(client, approved_payout, sandbox):
    body = invoice_body(sandbox, approved_payout.provider_invoice_id)
    first = post_callback(client, body, sign(body, SECRET))
    second = post_callback(client, body, sign(body, SECRET))
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.get_data(as_text=True) == "duplicate"
    assert db.session.scalar(db.select(db.func.count(CallbackLog.id))) == 1


def test_out_of_order_callbacks_never_move_a_final_status_back(client, approved_payout, sandbox):
    final_body = invoice_body(sandbox, approved_payout.provider_invoice_id)
    older = json.loads(final_body)
    older["data"]["attributes"].update(status="processing", updated=1)
    older_body = json.dumps(older).encode()
    assert post_callback(client, final_body, sign(final_body, SECRET)).status_code == 200
    assert post_callback(client, older_body, sign(older_body, SECRET)).status_code == 200
    db.session.expire_all()
    stored = db.session.get(Payout, approved_payout.id)
    assert stored.status == S.PROCESSED
    outcomes = db.session.scalars(db.select(CallbackLog.outcome).order_by(CallbackLog.id)).all()
    assert outcomes == ["applied", "stale"]


def test_a_callback_for_an_unknown_invoice_is_acknowledged_and_creates_nothing(client, app):
    body = json.dumps({"data": {"type": "payout-invoices", "id": "cpoi_NotOursAtAll01",
                                "attributes": {"status": "processed", "reference_id": "x"}}})
    raw = body.encode()
    response = post_callback(client, raw, sign(raw, SECRET))
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Payout.id))) == 0
    assert db.session.scalar(db.select(CallbackLog.outcome)) == "unknown_invoice"


def test_a_signed_but_unreadable_body_is_refused(client):
    raw = b"{not json"
    assert post_callback(client, raw, sign(raw, SECRET)).status_code == 400


def test_sandbox_callbacks_alone_bring_the_payout_to_its_final_status(
        callbacks_to, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))

    def final() -> bool:
        db.session.expire_all()
        return db.session.get(Payout, payout.id).status == S.PROCESSED

    assert wait_for(final, timeout=20)
    assert wait_for(lambda: sandbox.state.stats()["callbacks"]["delivered"] >= 2)
    assert db.session.scalar(db.select(db.func.count(CallbackLog.id))) >= 1


def test_polling_alone_reaches_the_final_status_when_callbacks_are_lost(
        make_user, make_payout, sandbox):
    sandbox.state.callbacks_enabled = False
    payout = make_payout(make_user("olga", Role.OPERATOR))
    approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    report = run_sync_pass(force=True)
    assert report.checked == 1 and report.changed == 1
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == S.PROCESSED
    assert db.session.scalar(db.select(db.func.count(CallbackLog.id))) == 0


def test_the_sync_command_does_one_pass(app, make_user, make_payout, sandbox):
    sandbox.state.callbacks_enabled = False
    payout = make_payout(make_user("olga", Role.OPERATOR))
    approve(payout.id, make_user("max", Role.MANAGER), fingerprint_of(payout))
    assert wait_for(lambda: sandbox.state.invoices[payout.provider_invoice_id].status
                    == "processed")
    result = app.test_cli_runner().invoke(args=["payouts", "sync", "--all"])
    assert result.exit_code == 0, result.output
    assert "checked 1 payout(s), 1 changed" in result.output
