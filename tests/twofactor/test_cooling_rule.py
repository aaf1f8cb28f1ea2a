"""24-hour cooling: a manager created or promoted in the last day cannot approve payouts
created by the admin(s) who made them a manager; others' payouts, and later, they can."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.twofactor.helpers import fresh
from webapp.admin import guarded
from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import ApprovalRefused, Refusal, approve, reject
from webapp.auth.cooling import is_cooling_off
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User
from webapp.models.base import utcnow


def promote(target: User, requester: User, confirmer: User) -> None:
    change = guarded.request_roles(target, target.roles | {Role.MANAGER}, requester)
    assert change is not None
    guarded.confirm(change, confirmer)
    db.session.commit()


def status(payout: Payout) -> PayoutStatus:
    db.session.expire_all()
    return db.session.get(Payout, payout.id).status_enum


def test_promoted_manager_cannot_approve_the_promoters_payouts(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        sandbox: object) -> None:
    eve = make_user("eve", Role.ADMIN, Role.OPERATOR)  # an admin who also creates payouts
    root = make_user("root", Role.ADMIN, Role.OPERATOR)
    mallory = make_user("mallory", Role.OPERATOR)
    promote(mallory, eve, root)
    mallory = fresh(mallory.id)
    evil = make_payout(eve)
    confirmers = make_payout(root)
    honest = make_payout(make_user("olga", Role.OPERATOR))
    for payout in (evil, confirmers):
        with pytest.raises(ApprovalRefused) as refused:
            approve(payout.id, mallory, fingerprint_of(payout))
        assert refused.value.refusal is Refusal.COOLING_OFF
        assert status(payout) == PayoutStatus.AWAITING_APPROVAL
    assert approve(honest.id, mallory, fingerprint_of(honest)).fully_approved
    # A day later the rule no longer applies.
    mallory.promoted_at = utcnow() - timedelta(hours=24, seconds=1)
    db.session.commit()
    assert approve(evil.id, fresh(mallory.id), fingerprint_of(evil)).fully_approved


def test_created_manager_cannot_approve_the_creators_payouts(
        make_user: Callable[..., User], make_payout: Callable[..., Payout],
        sandbox: object) -> None:
    eve = make_user("eve", Role.ADMIN, Role.OPERATOR)
    sock = make_user("sock", Role.MANAGER, created_by_id=eve.id)
    payout = make_payout(eve)
    with pytest.raises(ApprovalRefused) as refused:
        reject(payout.id, sock, "because", fingerprint_of(payout))
    assert refused.value.refusal is Refusal.COOLING_OFF
    later = utcnow() + timedelta(hours=24, seconds=1)
    assert is_cooling_off(sock, eve.id) and not is_cooling_off(sock, eve.id, now=later)
    assert not is_cooling_off(sock, None)  # a payout nobody created (import) is not matched


def test_cooling_rule_over_http(client_for: Callable[[str], FlaskClient],
                                make_user: Callable[..., User],
                                make_payout: Callable[..., Payout], sandbox: object) -> None:
    eve = make_user("eve", Role.ADMIN, Role.OPERATOR)
    make_user("sock", Role.MANAGER, created_by_id=eve.id)
    payout = make_payout(eve)
    client = client_for("sock")
    response = client.post(f"/approvals/{payout.id}/approve",
                           data={"fingerprint": fingerprint_of(payout)}, follow_redirects=True)
    assert b"less than 24 hours ago" in response.data
    assert status(payout) == PayoutStatus.AWAITING_APPROVAL
