"""The queue's forms over HTTP: bulk approve needs its confirmation (a token for exactly the
reviewed selection), the flash names the payouts, and when a step-up code interrupted an action
that could not be finished by the code itself (held too long), the selection and the reason are
kept for the manager to finish it with one press (tests/approvals/test_step_up_resume.py has the
action finished by the code)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from tests.approvals.steps import process_requests, stale_step_up, status_of
from tests.approvals.test_approval_rules import bulk_approve
from webapp.approvals.fingerprint import fingerprint_of
from webapp.auth.stepup import HELD_KEY, HELD_SECONDS
from webapp.extensions import db
from webapp.models import PayoutStatus, Role, User

S = PayoutStatus




def _let_the_held_action_expire(client) -> None:
    with client.session_transaction() as session:
        session[HELD_KEY]["at"] = time.time() - HELD_SECONDS - 1
        session.modified = True


def _code(username: str) -> str:
    from tests.conftest import current_code

    return current_code(username)


def test_bulk_approve_without_the_confirmation_pays_nothing(app, make_user, make_payout,
                                                            client_for, sandbox):
    payout = make_payout(make_user("olga", Role.OPERATOR))
    make_user("max", Role.MANAGER)
    client = client_for("max")
    selection = f"{payout.id}:{fingerprint_of(payout)}"
    forged = client.post("/approvals/approve", data={"payout": selection, "confirm": "x"},
                         follow_redirects=True)
    assert "Confirm the selection first" in forged.get_data(as_text=True)
    assert status_of(payout.id) == S.AWAITING_APPROVAL and process_requests(sandbox) == 0
    # A token for another selection does not cover this one.
    other = make_payout(db.session.get(User, payout.created_by_id))
    page = client.post("/approvals/review", data={"payout": f"{other.id}:{fingerprint_of(other)}"})
    token = re.search(r'name="confirm" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/approvals/approve", data={"payout": selection, "confirm": token})
    assert status_of(payout.id) == S.AWAITING_APPROVAL and process_requests(sandbox) == 0


def test_the_flash_names_each_payout_and_what_happened(app, make_user, make_payout,
                                                       client_for, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    first, second, third = (make_payout(creator, amount=a) for a in ("11.00", "12.00", "13.00"))
    make_user("max", Role.MANAGER)
    client = client_for("max")
    approved = bulk_approve(client, f"{first.id}:{fingerprint_of(first)}")
    client.post("/approvals/review")  # an empty review goes back to the queue
    both = [f"{p.id}:{fingerprint_of(p)}" for p in (second, third)]
    page = client.post("/approvals/review", data={"payout": both}).get_data(as_text=True)
    assert 'data-count="2"' in page and "25.00" in page
    client.get("/approvals/")  # the flash of the first approval is shown and gone
    assert approved.status_code == 303
    rejected = client.post("/approvals/reject", data={"payout": both, "reason": "Duplicate"},
                           follow_redirects=True).get_data(as_text=True)
    assert f"Rejected #{second.id}, #{third.id}." in rejected
    assert process_requests(sandbox) == 1


def test_step_up_keeps_the_selection_and_reason_when_the_action_expired(app, make_user, make_payout,
                                                            client_for, sandbox):
    creator = make_user("olga", Role.OPERATOR)
    payouts = [make_payout(creator, amount=a) for a in ("11.00", "12.00")]
    make_user("max", Role.MANAGER)
    client = client_for("max")
    selection = [f"{p.id}:{fingerprint_of(p)}" for p in payouts]

    stale_step_up(client)
    refused = client.post("/approvals/reject", data={"payout": selection[:1],
                                                     "reason": "Wrong IBAN"})
    target = urlsplit(refused.location)
    assert target.path == "/account/step-up"
    _let_the_held_action_expire(client)
    assert client.post(refused.location, data={"code": _code("max")}).status_code == 303
    back = parse_qs(target.query)["next"][0]
    queue = client.get(back).get_data(as_text=True)
    assert 'value="Wrong IBAN"' in queue
    assert re.search(rf'id="pick-{payouts[0].id}" checked', queue)
    assert not re.search(rf'id="pick-{payouts[1].id}" checked', queue)
    assert status_of(payouts[0].id) == S.AWAITING_APPROVAL  # nothing happened behind its back

    page = client.post("/approvals/review", data={"payout": selection}).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    stale_step_up(client)
    refused = client.post("/approvals/approve", data={"payout": selection, "confirm": token})
    target = urlsplit(refused.location)
    assert target.path == "/account/step-up"
    assert parse_qs(target.query)["next"] == ["/approvals/review"]
    _let_the_held_action_expire(client)
    db.session.execute(db.update(User).where(User.username == "max")
                       .values(totp_last_step=None))
    db.session.commit()
    assert client.post(refused.location, data={"code": _code("max")}).status_code == 303
    resumed = client.get("/approvals/review").get_data(as_text=True)
    assert 'data-count="2"' in resumed and process_requests(sandbox) == 0
    token = re.search(r'name="confirm" value="([^"]+)"', resumed).group(1)
    done = client.post("/approvals/approve", data={"payout": selection, "confirm": token},
                       follow_redirects=True).get_data(as_text=True)
    assert f"Approved #{payouts[0].id}, #{payouts[1].id}." in done
    assert {status_of(p.id) for p in payouts} <= {S.PROCESSING, S.PROCESSED}
    assert process_requests(sandbox) == 2


def test_a_selection_with_ids_no_database_holds_is_ignored_not_a_500() -> None:
    """Found by the POST fuzz: 4,301 digits broke int(), 2^31 broke the database query."""
    from webapp.approvals.bulk import parse_selection

    chosen = parse_selection(["9" * 4301 + ":f", "2147483648:f", "²:f", "12:abc", "12:def"])
    assert [(s.payout_id, s.fingerprint) for s in chosen] == [(12, "abc")]
