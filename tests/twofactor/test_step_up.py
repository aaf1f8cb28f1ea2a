"""Step-up: approving, rejecting, roles and limits need a TOTP code younger than five minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.twofactor.helpers import T0, actions, code_now, fresh
from webapp.approvals.fingerprint import fingerprint_of
from webapp.auth.stepup import STEP_UP_KEY, is_fresh, mark_fresh
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User


def age_step_up(client: FlaskClient, seconds: float) -> None:
    with client.session_transaction() as session:
        session[STEP_UP_KEY] = time.time() - seconds


def forget_last_step(user: User) -> None:
    user.totp_last_step = None
    db.session.commit()


def test_freshness_window(app: Flask) -> None:
    with app.test_request_context():
        assert not is_fresh(now=T0)
        mark_fresh(now=T0)
        assert is_fresh(now=T0) and is_fresh(now=T0 + 300)
        assert not is_fresh(now=T0 + 301)
        assert not is_fresh(now=T0 - 10)  # a time from the future is not trusted
        app.config["STEP_UP_SECONDS"] = 60
        try:
            assert not is_fresh(now=T0 + 61)
        finally:
            del app.config["STEP_UP_SECONDS"]


def test_fresh_code_approves_a_stale_one_asks_again(
        client_for: Callable[[str], FlaskClient], make_user: Callable[..., User],
        make_payout: Callable[..., Payout], sandbox: object) -> None:
    first = make_payout(make_user("olga", Role.OPERATOR))
    second = make_payout(fresh(first.created_by_id))
    max_ = make_user("max", Role.MANAGER)
    client = client_for("max")  # signed in with a TOTP code just now: fresh
    age_step_up(client, 299)
    ok = client.post(f"/approvals/{first.id}/approve", data={"fingerprint": fingerprint_of(first)})
    assert ok.status_code == 303 and ok.location == f"/payouts/{first.id}"
    db.session.expire_all()
    assert db.session.get(Payout, first.id).status != PayoutStatus.AWAITING_APPROVAL

    age_step_up(client, 301)
    for refused in (client.post(f"/approvals/{second.id}/reject", data={"reason": "no"}),
                    client.post("/approvals/reject", data={
                        "reason": "no",
                        "payout": f"{second.id}:{fingerprint_of(second)}"})):
        assert urlsplit(refused.location).path == "/account/step-up"
    # The last interrupted action is the one held for the code.
    stale = client.post(f"/approvals/{second.id}/approve",
                        data={"fingerprint": fingerprint_of(second)})
    assert stale.status_code == 303
    target = urlsplit(stale.location)
    assert target.path == "/account/step-up"
    assert parse_qs(target.query)["next"] == [f"/payouts/{second.id}"]
    db.session.expire_all()
    assert db.session.get(Payout, second.id).status == PayoutStatus.AWAITING_APPROVAL

    page = client.get(stale.location)
    assert page.status_code == 200 and (
        b"Confirm with your code to finish what you started." in page.data)
    assert client.post(stale.location, data={"code": "000000" if code_now(max_) != "000000"
                                             else "111111"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Payout, second.id).status == PayoutStatus.AWAITING_APPROVAL
    forget_last_step(max_)
    confirmed = client.post(stale.location, data={"code": code_now(max_)})
    assert confirmed.status_code == 303 and confirmed.location == f"/payouts/{second.id}"
    assert "step_up_failed" in actions() and "step_up" in actions()
    db.session.expire_all()  # approved by the code itself, with no second press
    assert db.session.get(Payout, second.id).status not in (PayoutStatus.AWAITING_APPROVAL,
                                                            PayoutStatus.REJECTED)


def test_step_up_refuses_the_code_used_to_sign_in(
        client_for: Callable[[str], FlaskClient], make_user: Callable[..., User]) -> None:
    max_ = make_user("max", Role.MANAGER)
    client = client_for("max")
    used = code_now(max_)  # client_for signed in with the code of this very step
    age_step_up(client, 400)
    refused = client.post("/account/step-up?next=/approvals/", data={"code": used})
    assert refused.status_code == 422 and actions()[-1] == "step_up_failed"
    with client.session_transaction() as session:
        assert time.time() - session[STEP_UP_KEY] >= 400  # still stale


def test_role_and_limit_changes_need_a_fresh_code(
        admin_client: FlaskClient, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    age_step_up(admin_client, 301)
    roles = admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["auditor"]})
    limit = admin_client.post(f"/admin/users/{olga.id}/limits",
                              data={"limit-currency": "EUR", "limit-max_amount": "10"})
    reset = admin_client.post(f"/admin/users/{olga.id}/2fa/reset")
    for response in (roles, limit, reset):
        assert urlsplit(response.location).path == "/account/step-up"
        assert parse_qs(urlsplit(response.location).query)["next"] == [f"/admin/users/{olga.id}"]
    assert fresh(olga.id).roles == {Role.OPERATOR}
    assert "roles_changed" not in actions() and "approval_limit_changed" not in actions()
    age_step_up(admin_client, 10)
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["auditor"]})
    assert fresh(olga.id).roles == {Role.AUDITOR}
