"""Pre-flight at approval: the pre-request is asked again just before the process call. When
the provider changed its terms behind the desk's back (service withdrawn, unavailable, limits
moved past the amount, rate moved beyond the tolerance) or cannot be asked, the approval stops
with the values then and now, the payout stays in the queue, and the provider hears no process
call at all (counted at the sandbox over real HTTP)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import Payout, PayoutEvent, PayoutStatus, Role
from webapp.payout_core.prerequest import clear_cache

S = PayoutStatus


def _change(sandbox: Any, code: str, **changes: Any) -> None:
    """Change the provider's catalogue through its control endpoint (behind the desk's back)."""
    answer = requests.post(f"{sandbox.url}/_sandbox/services/{code}", json=changes, timeout=5)
    assert answer.status_code == 200, answer.text


def _process_calls(sandbox: Any) -> int:
    return sum(sandbox.state.provider_totals()["process_requests"].values())


@pytest.fixture
def waiting(app, make_user, make_payout):
    payout = make_payout(make_user("olga", Role.OPERATOR), amount="10.00")
    make_user("max", Role.MANAGER)
    clear_cache()
    return payout


def _approve(client_for, payout: Payout) -> str:
    manager = client_for("max")
    answer = manager.post(f"/approvals/{payout.id}/approve", follow_redirects=True,
                          data={"fingerprint": fingerprint_of(payout)})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _still_waiting(payout: Payout, cause: str) -> None:
    db.session.expire_all()
    stored = db.session.get(Payout, payout.id)
    assert stored.status == S.AWAITING_APPROVAL
    assert stored.approved_by_id is None and stored.process_requests == 0
    events = db.session.scalars(db.select(PayoutEvent).where(
        PayoutEvent.payout_id == payout.id, PayoutEvent.kind == "preflight_refused")).all()
    assert [e.details["cause"] for e in events] == [cause]


@pytest.mark.parametrize(("changes", "cause", "words"), [
    ({"gone": True}, "gone", "no longer offers service test_usd"),
    ({"status": "unavailable"}, "unavailable", "is unavailable at the provider now"),
    ({"amount_max": "5"}, "out_of_limits", "outside the service&#39;s limits now"),
    ({"rate_factor": "1.05"}, "rate_moved", "moved from 1 to 1.05 (5.00%"),
])
def test_a_changed_service_stops_the_approval_with_no_process_call(
        waiting, sandbox, client_for, changes, cause, words):
    _change(sandbox, "test_usd", **changes)
    page = _approve(client_for, waiting)
    assert words in page
    assert "Nothing was sent to the provider; the payout stays in the queue." in page
    assert _process_calls(sandbox) == 0
    _still_waiting(waiting, cause)


def test_the_rate_explanation_gives_old_and_new_recipient_amounts(waiting, sandbox, client_for):
    _change(sandbox, "test_usd", rate_factor="1.05")
    page = _approve(client_for, waiting)
    assert "would get 10.50 USD instead of 10.00 USD" in page
    assert _process_calls(sandbox) == 0


def test_a_provider_that_cannot_be_asked_stops_the_approval(waiting, sandbox, client_for):
    sandbox.state.inject("prerequest", "500_before", times=5)
    page = _approve(client_for, waiting)
    assert "could not be asked whether service test_usd still fits" in page
    assert _process_calls(sandbox) == 0
    _still_waiting(waiting, "no_answer")


def test_a_rate_within_the_tolerance_is_approved_and_processed_once(
        app, waiting, sandbox, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "PREFLIGHT_RATE_TOLERANCE_PERCENT", "2")
    _change(sandbox, "test_usd", rate_factor="1.015")
    _approve(client_for, waiting)
    assert _process_calls(sandbox) == 1
    db.session.expire_all()
    assert db.session.get(Payout, waiting.id).status != S.AWAITING_APPROVAL


def test_the_tolerance_is_configured(app, waiting, sandbox, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "PREFLIGHT_RATE_TOLERANCE_PERCENT", "0.5")
    _change(sandbox, "test_usd", rate_factor="1.01")
    page = _approve(client_for, waiting)
    assert "more than the 0.5% allowed" in page
    assert _process_calls(sandbox) == 0


def test_the_approval_page_shows_the_quote_then_and_now(waiting, sandbox, client_for):
    _change(sandbox, "test_usd", rate_factor="1.05")
    page = client_for("max").get(f"/payouts/{waiting.id}").get_data(as_text=True)
    rows = page.split('id="quote"')[1].split("</table>")[0]
    rate = rows.split('data-row="rate"')[1].split("</tr>")[0]
    assert "<td>1</td>" in rate and "<td>1.05</td>" in rate
    gets = rows.split('data-row="gets"')[1].split("</tr>")[0]
    assert "10.00" in gets and "10.50" in gets
    assert 'id="preflight-warning"' in page
    assert _process_calls(sandbox) == 0


def test_the_page_of_an_unchanged_payout_shows_no_warning(waiting, sandbox, client_for):
    page = client_for("max").get(f"/payouts/{waiting.id}").get_data(as_text=True)
    assert 'id="quote"' in page and 'id="preflight-warning"' not in page


def test_bulk_approval_runs_the_pre_flight_for_each_payout(
        app, make_user, make_payout, sandbox, client_for):
    creator = make_user("olga", Role.OPERATOR)
    dollars = make_payout(creator, amount="10.00")
    hryvnias = make_payout(creator, amount="1000.00", currency="UAH", service="card_uah",
                           fields={"card_number": "4111111111111111"})
    make_user("max", Role.MANAGER)
    clear_cache()
    _change(sandbox, "test_usd", gone=True)
    client = client_for("max")
    selection = [f"{p.id}:{fingerprint_of(p)}" for p in (dollars, hryvnias)]
    page = client.post("/approvals/review", data={"payout": selection}).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    done = client.post("/approvals/approve", data={"payout": selection, "confirm": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "no longer offers service test_usd" in done
    totals = sandbox.state.provider_totals()["process_requests"]
    assert totals == {hryvnias.provider_invoice_id: 1}
    _still_waiting(dollars, "gone")
