"""Pay again and fix-and-resend: a copy is a new payout (new token, new reference, created by
whoever submits it), the original's creator and deciders are on the timeline, and the
four-eyes rules hold on the copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.recipients.helpers import form_inputs, payouts, post_new_payout
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.policy import Refusal, Refused
from webapp.approvals.services import approve, reject
from webapp.extensions import db
from webapp.models import Payout, PayoutCopy, PayoutEvent, PayoutStatus, Role, User
from webapp.payout_core.prerequest import clear_cache
from webapp.sandbox import SandboxServer

S = PayoutStatus


@pytest.fixture(autouse=True)
def _fresh_prerequests(app: Flask, sandbox: SandboxServer) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def events(payout_id: int, kind: str) -> list[PayoutEvent]:
    return list(db.session.scalars(db.select(PayoutEvent).filter_by(payout_id=payout_id,
                                                                    kind=kind)))


def test_pay_again_makes_a_new_payout_created_by_the_submitter(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR, team="ops")
    make_user("oleh", Role.OPERATOR, team="ops")
    max_ = make_user("max", Role.MANAGER)
    original = make_payout(olga, fields={"account": "4242"})
    approve(original.id, max_, fingerprint_of(original))
    oleh = client_for("oleh")
    page = oleh.get(f"/payouts/new?again={original.id}").get_data(as_text=True)
    values = form_inputs(page, "payout-form")
    assert values["field__account"] == "4242" and values["amount"] == "10"
    assert values["copy_of"] == str(original.id) and values["copy_kind"] == "again"
    response = post_new_payout(oleh, f"again={original.id}", amount="12.50")
    assert response.status_code == 303
    db.session.expire_all()
    first, copy = payouts()
    assert first.id == original.id
    assert copy.created_by_id != olga.id
    assert copy.created_by.username == "oleh" and copy.resent_by_id is None
    assert copy.reference_id != original.reference_id
    assert copy.submission_token != original.submission_token
    assert str(copy.amount) == "12.50000000"
    assert len(sandbox.state.newest_first()) == 2  # one new invoice
    link = db.session.get(PayoutCopy, copy.id)
    assert link is not None and link.original_id == original.id and link.kind == "again"
    [lineage] = events(copy.id, "copy_again_of")
    assert lineage.details["original_creator_id"] == olga.id
    assert lineage.details["original_approver_ids"] == [max_.id]
    assert events(original.id, "copied_again")
    detail = oleh.get(f"/payouts/{copy.id}").get_data(as_text=True)
    assert "The original was created by olga" in detail and "approved by max" in detail


def test_fix_and_resend_shows_the_rejection_reason_and_sends_the_corrected_copy(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    max_ = make_user("max", Role.MANAGER)
    original = make_payout(olga, fields={"account": "4242"})
    reject(original.id, max_, "Wrong account: use the new one")
    client = client_for("olga")
    page = client.get(f"/payouts/new?fix={original.id}").get_data(as_text=True)
    assert 'id="prefill-reason"' in page and "Wrong account: use the new one" in page
    response = post_new_payout(client, f"fix={original.id}", field__account="777777")
    assert response.status_code == 303
    copy = payouts()[-1]
    assert copy.id != original.id and copy.created_by_id == olga.id
    assert copy.status == S.AWAITING_APPROVAL
    [lineage] = events(copy.id, "copy_fix_of")
    assert lineage.details["original_rejected_by_id"] == max_.id
    invoice = sandbox.state.find(copy.reference_id)
    assert invoice is not None


def test_fix_and_resend_of_a_refused_create_shows_the_provider_error(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    sandbox.state.inject("create", "403")
    original = make_payout(olga)
    assert original.status == S.FAILED_TO_CREATE
    page = client_for("olga").get(f"/payouts/new?fix={original.id}").get_data(as_text=True)
    assert 'id="prefill-reason"' in page and "The provider refused access." in page


def test_only_an_ended_unpaid_payout_can_be_fixed(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    olga = make_user("olga", Role.OPERATOR)
    make_user("pete", Role.OPERATOR)  # another operator, another team
    waiting = make_payout(olga)
    assert client_for("olga").get(f"/payouts/new?fix={waiting.id}").status_code == 409
    assert client_for("pete").get(f"/payouts/new?again={waiting.id}").status_code == 404


def test_four_eyes_hold_on_a_fixed_copy(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    """Mona (manager) typed the original; Max rejected it; Nina (manager) fixes and resends.
    Nina created the copy, Mona's details are in it: neither approves it. Max may."""
    mona = make_user("mona", Role.MANAGER)
    max_ = make_user("max", Role.MANAGER)
    make_user("nina", Role.MANAGER)
    original = make_payout(mona)
    reject(original.id, max_, "Typo")
    response = post_new_payout(client_for("nina"), f"fix={original.id}")
    assert response.status_code == 303
    copy = payouts()[-1]
    for name, refusal in (("nina", Refusal.OWN), ("mona", Refusal.COPY_OF_YOURS)):
        user = db.session.scalar(db.select(User).filter_by(username=name))
        with pytest.raises(Refused) as refused:
            approve(copy.id, user, fingerprint_of(copy))
        assert refused.value.refusal is refusal, name
    answer = client_for("mona").post(f"/approvals/{copy.id}/approve",
                                     data={"fingerprint": fingerprint_of(copy)},
                                     follow_redirects=True)
    assert b"copies one you created" in answer.data
    assert sum(sandbox.state.counters["process_requests"].values()) == 0
    assert 'id="decide"' not in client_for("mona").get(f"/payouts/{copy.id}").get_data(
        as_text=True)
    assert 'id="decide"' in client_for("max").get(f"/payouts/{copy.id}").get_data(as_text=True)
    outcome = approve(copy.id, db.session.get(User, max_.id), fingerprint_of(copy))
    assert outcome.fully_approved


def test_a_forged_copy_link_to_a_payout_out_of_sight_is_ignored(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        client_for: Callable[[str], FlaskClient], sandbox: SandboxServer) -> None:
    """The hidden `copy_of` names a payout of another team: the payout is created as typed and
    no lineage is recorded (nobody is kept off its approval by a forged link)."""
    sam = make_user("sam", Role.OPERATOR, team="south")
    make_user("olga", Role.OPERATOR, team="north")
    theirs = make_payout(sam)
    response = post_new_payout(client_for("olga"), "currency=USD&amount=10&service=test_usd",
                               field__account="1234", copy_of=str(theirs.id), copy_kind="again")
    assert response.status_code == 303
    copy = payouts()[-1]
    assert copy.id != theirs.id and db.session.get(PayoutCopy, copy.id) is None
    assert events(theirs.id, "copied_again") == []


@pytest.mark.parametrize("raw", ["2147483648", "99999999999", "²", "１２"])
@pytest.mark.parametrize("source", ["saved", "again", "fix"])
def test_an_id_no_row_can_have_is_not_found(
        make_user: Callable[..., User], client_for: Callable[[str], FlaskClient], source: str,
        raw: str) -> None:
    """Past 2^31-1 PostgreSQL refused the look-up (a 500), and `int()` refused a superscript
    digit that `isdigit()` had let through: both are simply not found."""
    make_user("olga", Role.OPERATOR)
    assert client_for("olga").get(f"/payouts/new?{source}={raw}").status_code == 404


def test_a_forged_link_past_the_id_range_is_ignored(
        make_user: Callable[..., User], client_for: Callable[[str], FlaskClient],
        sandbox: SandboxServer) -> None:
    """The form admits 12 digits in its hidden links; past 2^31-1 the look-up failed the whole
    create on PostgreSQL. Such a link is ignored like any forged one."""
    make_user("olga", Role.OPERATOR)
    response = post_new_payout(client_for("olga"), "currency=USD&amount=10&service=test_usd",
                               field__account="1234", copy_of="99999999999", copy_kind="again",
                               saved_detail="99999999999")
    assert response.status_code == 303
    assert db.session.get(PayoutCopy, payouts()[-1].id) is None
