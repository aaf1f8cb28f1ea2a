"""Each kind of difference, from a sandbox set up to produce it over real HTTP: invoices made
outside the desk, invoices the provider lost, and statuses, amounts, currencies, fees and
processed amounts changed behind the desk's back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.reconciliation.helpers import change, forget, found, outside, run_today
from webapp.extensions import db
from webapp.models import Payout, PayoutEvent, PayoutStatus, ReconciliationDifference, Role
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.state import apply_invoice

S = PayoutStatus


@pytest.fixture
def payout(app, make_user, make_payout):
    return make_payout(make_user("olga", Role.OPERATOR), amount="10.00")


def test_a_clean_period_has_no_difference_and_equal_totals(payout, sandbox):
    run = run_today()
    assert run.status == "done" and found(run) == []
    assert run.provider_totals == run.desk_totals
    assert run.provider_totals["USD"]["created"]["count"] == 1
    assert Decimal(run.provider_totals["USD"]["created"]["amount"]) == Decimal("10.00")


def test_invoices_made_outside_the_desk_are_unknown_at_the_desk(payout, sandbox):
    ids = outside(sandbox, count=2, amount="7.50", currency="EUR")
    run = run_today()
    rows = db.session.scalars(db.select(ReconciliationDifference).where(
        ReconciliationDifference.run_id == run.id)).all()
    assert sorted(r.invoice_id for r in rows) == sorted(ids)
    assert {r.kind for r in rows} == {"unknown_at_desk"}
    assert run.provider_totals["EUR"]["created"]["count"] == 2
    assert "EUR" not in run.desk_totals


def test_an_invoice_the_provider_lost_is_missing_at_the_provider(payout, sandbox):
    forget(sandbox, payout.provider_invoice_id)
    run = run_today()
    assert found(run) == [("missing_at_provider", "created", None)]


def test_a_status_changed_behind_the_desk_is_settled_on_the_timeline(payout, sandbox):
    change(sandbox, payout.provider_invoice_id, status="expired")
    run = run_today()
    assert found(run) == [("status", "created", "expired")]
    difference = db.session.scalars(db.select(ReconciliationDifference)).one()
    assert difference.settled and not difference.explained
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status == S.FAILED and stored.provider_status == "expired"
    event = db.session.scalars(db.select(PayoutEvent).where(
        PayoutEvent.payout_id == payout.id, PayoutEvent.kind == "reconciliation")).one()
    assert (event.status_from, event.status_to) == ("awaiting_approval", "failed")
    assert event.details["provider_status"] == "expired"


@pytest.mark.parametrize(("changes", "expected"), [
    ({"amount": "12.00"}, ("amount", "10", "12")),
    ({"currency": "EUR"}, ("currency", "USD", "EUR")),
    ({"fee": "0.50"}, ("fee", "0", "0.5")),
])
def test_other_differences_are_shown_and_never_fixed(payout, sandbox, changes, expected):
    change(sandbox, payout.provider_invoice_id, **changes)
    before = db.session.get(Payout, payout.id)
    status, amount, currency = before.status, before.amount, before.currency
    run = run_today()
    assert found(run) == [expected]
    db.session.expire_all()
    after = db.session.get(Payout, payout.id)
    assert (after.status, after.amount, after.currency) == (status, amount, currency)
    assert not db.session.scalars(db.select(ReconciliationDifference)).one().settled


def test_a_processed_amount_changed_behind_the_desk_is_shown(payout, sandbox):
    change(sandbox, payout.provider_invoice_id, status="processed")
    apply_invoice(payout, provider_client().get_invoice(payout.provider_invoice_id),
                  source="polled")
    db.session.commit()
    change(sandbox, payout.provider_invoice_id, processed_amount="9.50")
    run = run_today()
    assert found(run) == [("processed_amount", "10", "9.5")]
    assert Decimal(run.provider_totals["USD"]["processed"]["processed"]) == Decimal("9.50")
    assert Decimal(run.desk_totals["USD"]["processed"]["processed"]) == Decimal("10")


def test_one_run_finds_every_kind(app, make_user, make_payout, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    payouts = [make_payout(creator, amount=f"{10 + i}.00") for i in range(6)]
    forget(sandbox, payouts[0].provider_invoice_id)
    change(sandbox, payouts[1].provider_invoice_id, status="canceled")
    change(sandbox, payouts[2].provider_invoice_id, amount="99.00")
    change(sandbox, payouts[3].provider_invoice_id, currency="GBP")
    change(sandbox, payouts[4].provider_invoice_id, fee="1.25")
    change(sandbox, payouts[5].provider_invoice_id, status="processed")
    apply_invoice(payouts[5], provider_client().get_invoice(payouts[5].provider_invoice_id),
                  source="polled")
    db.session.commit()
    change(sandbox, payouts[5].provider_invoice_id, processed_amount="1.00")
    outside(sandbox, count=1)
    run = run_today()
    assert sorted(kind for kind, _desk, _provider in found(run)) == sorted([
        "missing_at_provider", "status", "amount", "currency", "fee", "processed_amount",
        "unknown_at_desk"])
    assert run.differences == 7


def test_invoices_outside_the_period_are_left_out(payout, sandbox):
    outside(sandbox, count=3, created=1_000_000)  # 1970: long before today
    run = run_today()
    assert found(run) == [] and run.invoices_in_period == 1
