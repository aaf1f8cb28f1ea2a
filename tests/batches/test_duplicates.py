"""Duplicates against what was already paid or queued: recent payouts (same service, amount
and recipient fields, compared through the keyed digest) and rows of queued batches."""

from __future__ import annotations

from datetime import timedelta

from tests.batches.conftest import accounts, csv_bytes, service
from webapp.batches.services import read_file
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.models.base import utcnow


def _check(app, rows, exclude=None):
    with app.test_request_context():
        return read_file("p.csv", csv_bytes(rows), service(), "USD", "en", exclude)


def test_a_row_repeating_a_recent_payout_is_an_error(app, make_user, make_payout, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="10.00",
                         fields={"account": "1000"})
    report = _check(app, [["1000", "10", "Same", ""], ["1000", "11", "Other amount", ""],
                          ["1001", "10", "Other account", ""]])
    assert [r.valid for r in report.rows] == [False, True, True]
    assert f"Same recipient and amount as payout {payout.id}" in report.rows[0].errors[0][
        "message"]


def test_a_payout_stored_without_a_digest_still_counts(app, make_user, make_payout, sandbox):
    """A worker of the previous version (a rolling deploy) stores no digest: the check reads
    such recent rows and digests them."""
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="10.00",
                         fields={"account": "1000"})
    db.session.execute(db.update(Payout).where(Payout.id == payout.id).values(
        recipient_digest=None))
    db.session.commit()
    report = _check(app, [["1000", "10", "Same", ""], ["1001", "10", "Other account", ""]])
    assert [r.valid for r in report.rows] == [False, True]
    assert f"Same recipient and amount as payout {payout.id}" in report.rows[0].errors[0][
        "message"]


def test_masked_alike_is_not_enough(app, make_user, make_payout, sandbox):
    """Two cards sharing first six and last four digits mask alike; the digest tells them
    apart (only those candidates are decrypted)."""
    make_payout(make_user("olga", Role.OPERATOR), amount="10.00",
                fields={"account": "123456111110000"})
    report = _check(app, [["123456222220000", "10", "Twin mask", ""]])
    assert report.rows[0].valid


def test_old_or_unpaid_payouts_do_not_count(app, make_user, make_payout, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    old = make_payout(creator, fields={"account": "1000"})
    refused = make_payout(creator, fields={"account": "1001"})
    db.session.execute(db.update(Payout).where(Payout.id == old.id).values(
        created_at=utcnow() - timedelta(days=31)))
    db.session.execute(db.update(Payout).where(Payout.id == refused.id).values(
        status=PayoutStatus.REJECTED.value))
    db.session.commit()
    report = _check(app, [["1000", "10", "", ""], ["1001", "10", "", ""]])
    assert [r.valid for r in report.rows] == [True, True]


def test_rows_of_a_queued_batch_count_but_drafts_do_not(app, make_user, make_batch, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    draft = make_batch(creator, accounts(2), submit=False)
    assert all(r.valid for r in _check(app, accounts(2)).rows)
    queued = make_batch(creator, accounts(1, start=5000))
    report = _check(app, [*accounts(1, start=5000), *accounts(1, start=6000)])
    assert [r.valid for r in report.rows] == [False, True]
    assert f"of batch {queued.id}" in report.rows[0].errors[0]["message"]
    assert all(r.valid for r in _check(app, accounts(2), exclude=draft.id).rows)
