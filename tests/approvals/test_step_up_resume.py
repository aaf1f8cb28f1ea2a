"""A step-up code that interrupts an approval or a rejection finishes that action itself: after
the code the held action runs once, from what was posted, re-checked by the same rules, and the
manager lands where the action leads with its flash. Replaying the step-up runs nothing again."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from tests.approvals.steps import process_requests, stale_step_up, status_of
from webapp.approvals.fingerprint import fingerprint_of
from webapp.auth.stepup import HELD_KEY, HELD_SECONDS
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role

S = PayoutStatus




def _code(username: str) -> str:
    from tests.conftest import current_code

    return current_code(username)


def _interrupted(client, path: str, data) -> str:
    """Post `data` to `path` without a fresh code; the step-up page it is sent to."""
    stale_step_up(client)
    refused = client.post(path, data=data)
    assert refused.status_code == 303 and urlsplit(refused.location).path == "/account/step-up"
    return refused.location


def _code_then_follow(client, step_up: str, username: str):
    """Type the code once; the first answer (where it leads) and the page it leads to."""
    answer = client.post(step_up, data={"code": _code(username)})
    assert answer.status_code == 303
    return answer, client.get(answer.location).get_data(as_text=True)


def _setup(make_user, make_payout, client_for, amounts=("11.00",)):
    creator = make_user("olga", Role.OPERATOR)
    payouts = [make_payout(creator, amount=a) for a in amounts]
    make_user("max", Role.MANAGER)
    return payouts, client_for("max")


def test_single_approval_finishes_after_the_code(app, make_user, make_payout, client_for,
                                                 sandbox):
    (payout,), client = _setup(make_user, make_payout, client_for)
    step_up = _interrupted(client, f"/approvals/{payout.id}/approve",
                           {"fingerprint": fingerprint_of(payout)})
    assert process_requests(sandbox) == 0 and status_of(payout.id) == S.AWAITING_APPROVAL
    with client.session_transaction() as session:
        held_cookie = dict(session)

    answer, page = _code_then_follow(client, step_up, "max")
    assert urlsplit(answer.location).path == f"/payouts/{payout.id}"
    assert f"Approved #{payout.id}." in page
    assert status_of(payout.id) in {S.PROCESSING, S.PROCESSED}
    assert process_requests(sandbox) == 1

    client.post(step_up, data={"code": _code("max")})  # the step-up again: nothing is held
    # Even an old copy of the session that still holds the action approves nothing twice.
    with client.session_transaction() as session:
        session.update(held_cookie)
    client.post(step_up, data={"code": _code("max")})
    assert process_requests(sandbox) == 1


def test_single_rejection_finishes_after_the_code(app, make_user, make_payout, client_for,
                                                  sandbox):
    (payout,), client = _setup(make_user, make_payout, client_for)
    step_up = _interrupted(client, f"/approvals/{payout.id}/reject",
                           {"fingerprint": fingerprint_of(payout), "reason": "Wrong IBAN"})
    assert status_of(payout.id) == S.AWAITING_APPROVAL
    answer, page = _code_then_follow(client, step_up, "max")
    assert urlsplit(answer.location).path == f"/payouts/{payout.id}"
    assert f"Rejected #{payout.id}." in page
    assert status_of(payout.id) == S.REJECTED
    assert process_requests(sandbox) == 0


def test_bulk_approval_finishes_after_the_code(app, make_user, make_payout, client_for,
                                               sandbox):
    payouts, client = _setup(make_user, make_payout, client_for, ("11.00", "12.00"))
    selection = [f"{p.id}:{fingerprint_of(p)}" for p in payouts]
    review = client.post("/approvals/review", data={"payout": selection}).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([^"]+)"', review).group(1)
    step_up = _interrupted(client, "/approvals/approve", {"payout": selection, "confirm": token})
    assert process_requests(sandbox) == 0

    answer, page = _code_then_follow(client, step_up, "max")
    assert urlsplit(answer.location).path == "/approvals/"
    assert f"Approved #{payouts[0].id}, #{payouts[1].id}." in page
    assert {status_of(p.id) for p in payouts} <= {S.PROCESSING, S.PROCESSED}
    assert process_requests(sandbox) == 2

    client.post(step_up, data={"code": _code("max")})
    assert process_requests(sandbox) == 2


def test_queue_rejection_finishes_after_the_code(app, make_user, make_payout, client_for,
                                                 sandbox):
    payouts, client = _setup(make_user, make_payout, client_for, ("11.00", "12.00"))
    selection = [f"{p.id}:{fingerprint_of(p)}" for p in payouts]
    step_up = _interrupted(client, "/approvals/reject",
                           {"payout": selection[:1], "reason": "Wrong IBAN"})
    assert status_of(payouts[0].id) == S.AWAITING_APPROVAL

    answer, page = _code_then_follow(client, step_up, "max")
    assert urlsplit(answer.location).path == "/approvals/"
    assert f"Rejected #{payouts[0].id}." in page
    assert 'value="Wrong IBAN"' not in page  # done: nothing left to fill in again
    assert status_of(payouts[0].id) == S.REJECTED
    assert status_of(payouts[1].id) == S.AWAITING_APPROVAL

    client.post(step_up, data={"code": _code("max")})
    assert status_of(payouts[1].id) == S.AWAITING_APPROVAL and process_requests(sandbox) == 0


def test_a_held_action_that_changed_meanwhile_is_refused_by_its_fingerprint(
        app, make_user, make_payout, client_for, sandbox):
    (payout,), client = _setup(make_user, make_payout, client_for)
    step_up = _interrupted(client, f"/approvals/{payout.id}/approve",
                           {"fingerprint": fingerprint_of(payout)})
    db.session.execute(db.update(Payout).where(Payout.id == payout.id)
                       .values(amount=payout.amount + 1))
    db.session.commit()
    _code_then_follow(client, step_up, "max")
    assert status_of(payout.id) == S.AWAITING_APPROVAL and process_requests(sandbox) == 0


def test_an_old_or_foreign_held_action_is_not_run(app, make_user, make_payout, client_for,
                                                  sandbox):
    (payout,), client = _setup(make_user, make_payout, client_for)
    step_up = _interrupted(client, f"/approvals/{payout.id}/approve",
                           {"fingerprint": fingerprint_of(payout)})
    with client.session_transaction() as session:
        session[HELD_KEY]["at"] = time.time() - HELD_SECONDS - 1
        session.modified = True
    answer = client.post(step_up, data={"code": _code("max")})
    assert urlsplit(answer.location).path == f"/payouts/{payout.id}"
    assert process_requests(sandbox) == 0

    step_up = _interrupted(client, f"/approvals/{payout.id}/approve",
                           {"fingerprint": fingerprint_of(payout)})
    with client.session_transaction() as session:
        session[HELD_KEY]["user"] = "999999"
        session.modified = True
    client.post(step_up, data={"code": _code("max")})
    assert status_of(payout.id) == S.AWAITING_APPROVAL and process_requests(sandbox) == 0
