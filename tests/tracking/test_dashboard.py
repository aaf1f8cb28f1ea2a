"""Dashboard: what waits for me, today/week totals in my time zone, failures, volume chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.tracking.listing_data import add
from webapp.extensions import db
from webapp.main import routes as main_routes
from webapp.main.chart import BASELINE, TOP
from webapp.main.dashboard import Periods, period_totals
from webapp.models import PayoutApproval, PayoutStatus, Role

S = PayoutStatus
NOW = datetime(2024, 5, 15, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(main_routes, "now_utc", lambda: NOW)


def section(page: str, ident: str) -> str:
    found = re.search(rf'<section[^>]*(?:aria-labelledby="{ident}-title"|id="{ident}")'
                      rf'.*?</section>', page, re.S)
    assert found, ident
    return found.group(0)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_periods_follow_zone_and_first_weekday():
    monday = Periods.at(NOW, UTC, 0)
    assert (monday.today, monday.today_start, monday.week_start) == (
        date(2024, 5, 15), at("2024-05-15T00:00"), at("2024-05-13T00:00"))
    assert Periods.at(NOW, UTC, 6).week_start == at("2024-05-12T00:00")  # Sunday-first
    kyiv = Periods.at(at("2024-05-15T22:30"), ZoneInfo("Europe/Kyiv"), 0)  # already the 16th
    assert kyiv.today == date(2024, 5, 16) and kyiv.today_start == at("2024-05-15T21:00")
    assert kyiv.tomorrow_start == at("2024-05-16T21:00")


@pytest.fixture
def week(make_user):
    olga = make_user("olga", Role.OPERATOR)
    add(olga.id, status=S.PROCESSED.value, created_at=at("2024-05-15T09:00"))
    add(olga.id, status=S.PROCESSED.value, amount=Decimal(20), created_at=at("2024-05-15T00:30"))
    add(olga.id, status=S.FAILED.value, amount=Decimal(5), created_at=at("2024-05-14T23:59"))
    add(olga.id, currency="EUR", amount=Decimal(7), created_at=at("2024-05-13T00:00"))
    add(olga.id, status=S.PROCESSED.value, amount=Decimal(100),
        created_at=at("2024-05-12T23:59:59"))
    add(olga.id, created_at=at("2024-05-02T00:00"))
    add(olga.id, created_at=at("2024-05-01T23:00"))
    return olga


def totals(rows) -> set[tuple[str, str, int, Decimal]]:
    return {(t.status, t.currency, t.count, t.total) for t in rows}


def test_today_and_week_totals_in_the_users_time_zone(week, make_user, client_for):
    utc = make_user("max", Role.MANAGER)
    today, this_week = period_totals(utc, Periods.at(NOW, UTC, 0))
    assert totals(today) == {("processed", "USD", 2, Decimal(30))}
    assert totals(this_week) == {("processed", "USD", 2, Decimal(30)),
                                 ("failed", "USD", 1, Decimal(5)),
                                 ("awaiting_approval", "EUR", 1, Decimal(7))}
    tokyo = make_user("kenji", Role.MANAGER, timezone="Asia/Tokyo")
    today, this_week = period_totals(tokyo, Periods.at(NOW, ZoneInfo("Asia/Tokyo"), 0))
    assert totals(today) == {("processed", "USD", 2, Decimal(30)),
                             ("failed", "USD", 1, Decimal(5))}
    assert totals(this_week) == {("processed", "USD", 3, Decimal(130)),
                                 ("failed", "USD", 1, Decimal(5)),
                                 ("awaiting_approval", "EUR", 1, Decimal(7))}
    page = client_for("kenji").get("/").get_data(True)
    assert "$130.00" in section(page, "week") and "$130.00" not in section(page, "today")
    assert "$5.00" in section(page, "today")
    page = client_for("max").get("/").get_data(True)
    assert "$5.00" not in section(page, "today") and "€7.00" in section(page, "week")


def chart_counts(page: str) -> list[int]:
    table = re.search(r'<table class="compact" id="volume-table">.*?</table>', page, re.S)
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table.group(0))]


def test_volume_chart_counts_the_last_14_days(week, make_user, client_for):
    make_user("max", Role.MANAGER)
    page = client_for("max").get("/").get_data(True)
    assert chart_counts(page) == [1] + [0] * 9 + [1, 1, 1, 2]
    chart = section(page, "volume")
    assert "<title" in chart and 'role="img"' in chart
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither
    heights = [float(h) for h in re.findall(r'class="chart-bar"[^>]*height="([\d.]+)"', chart)]
    assert len(heights) == 14
    assert max(heights) == BASELINE - TOP and heights[0] == (BASELINE - TOP) / 2
    assert heights[1] == 0


def test_manager_sees_what_they_may_approve(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR)
    max_ = make_user("max", Role.MANAGER, Role.OPERATOR)
    waiting = S.AWAITING_APPROVAL.value
    add(olga.id, status=waiting, amount=Decimal("10.00"))
    add(max_.id, status=waiting, amount=Decimal("1000.00"))  # own: someone else decides
    approved_once = add(olga.id, status=waiting, amount=Decimal("500.00"))
    changed = add(olga.id, status=waiting, amount=Decimal("2.50"), version=2)
    add(olga.id, status=S.PROCESSED.value, amount=Decimal("3000.00"))
    add(olga.id, status=waiting, currency="EUR", amount=Decimal("4.00"))
    db.session.add_all([
        PayoutApproval(payout_id=approved_once.id, user_id=max_.id, payout_version=1),
        PayoutApproval(payout_id=changed.id, user_id=max_.id, payout_version=1),
    ])
    db.session.commit()
    waiting_box = section(client_for("max").get("/").get_data(True), "waiting")
    approve = re.search(r'id="waiting-approve".*?</div>', waiting_box, re.S).group(0)
    assert '<p class="big-number">3</p>' in approve
    assert "$12.50" in approve and "€4.00" in approve and "$500.00" not in approve
    assert 'href="/approvals/"' in approve


def test_operator_sees_own_payouts_to_fix(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR, team="north")
    ivan = make_user("ivan", Role.OPERATOR, team="north")
    for status in (S.FAILED, S.FAILED, S.FAILED_TO_CREATE, S.PROCESSING_UNKNOWN, S.PROCESSED):
        add(olga.id, status=status.value)
    add(ivan.id, status=S.FAILED.value)
    page = client_for("olga").get("/").get_data(True)
    fix = re.search(r'id="waiting-fix".*?</div>', section(page, "waiting"), re.S).group(0)
    assert '<p class="big-number">4</p>' in fix
    assert re.search(r"Failed</span></a> 2</li>", fix)
    assert re.search(r"Not created</span></a> 1</li>", fix)
    assert f"creator={olga.id}" in fix and "waiting-approve" not in page


def test_failed_payouts_needing_attention_latest_ten_in_scope(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR, team="north")
    sam = make_user("sam", Role.OPERATOR, team="south")
    make_user("max", Role.MANAGER)
    base = at("2024-05-10T00:00")
    mine = [add(olga.id, status=S.FAILED.value, provider_resolution="INSUFFICIENT_FUNDS",
                updated_at=base + timedelta(minutes=i)) for i in range(12)]
    theirs = add(sam.id, status=S.FAILED_TO_CREATE.value, last_error={"kind": "ValidationFailed",
                                                             "provider_message": "<b>refused</b>"},
                 updated_at=base + timedelta(hours=5))
    add(olga.id, status=S.PROCESSED.value, updated_at=base + timedelta(hours=6))

    def shown(username: str) -> list[int]:
        box = section(client_for(username).get("/").get_data(True), "attention")
        return [int(i) for i in re.findall(r'<a href="/payouts/(\d+)">', box)]

    assert shown("olga") == [p.id for p in reversed(mine)][:10]
    assert shown("max") == [theirs.id, *[p.id for p in reversed(mine)][:9]]
    box = section(client_for("max").get("/").get_data(True), "attention")
    assert "&lt;b&gt;refused&lt;/b&gt;" in box and "The account balance is too low." in box


def test_scope_on_the_dashboard(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR, team="north")
    sam = make_user("sam", Role.OPERATOR, team="south")
    add(olga.id, status=S.PROCESSED.value, amount=Decimal("1.00"), created_at=NOW)
    add(sam.id, status=S.PROCESSED.value, amount=Decimal("777.00"), created_at=NOW)
    page = client_for("olga").get("/").get_data(True)
    assert "$1.00" in section(page, "today") and "$777.00" not in page
    assert chart_counts(page)[-1] == 1


def test_every_role_gets_a_dashboard(login_as):
    for role in Role:
        page = login_as(role).get("/")
        assert page.status_code == 200
        body = page.get_data(True)
        assert ('id="waiting-approve"' in body) == (role is Role.MANAGER)
        assert ('id="waiting-fix"' in body) == (role is Role.OPERATOR)


def test_no_payouts_at_all(login_as):
    page = login_as(Role.AUDITOR).get("/").get_data(True)
    assert "No payouts created today." in page and chart_counts(page) == [0] * 14
    assert "Nothing needs attention." in section(page, "attention")
