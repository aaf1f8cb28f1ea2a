"""Keyset pages: every row exactly once across pages, ties on created_at broken by id."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from tests.tracking.listing_data import NOW, insert_rows, payout_row
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payouts.listing import PAGE_SIZE, Cursor

HTMX = {"HX-Request": "true"}


def listed(response) -> list[int]:
    assert response.status_code == 200, response.data[:300]
    return [int(i) for i in re.findall(r'<a href="/payouts/(\d+)">', response.get_data(True))]


def next_link(response) -> str | None:
    found = re.search(r'<a href="([^"]+)" class="button" rel="next"', response.get_data(True))
    return html.unescape(found.group(1)) if found else None


def walk(client, url: str, headers=None) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url, headers=headers or {})
        pages.append(listed(response))
        url = next_link(response)
        assert len(pages) < 20
    return pages


def expected_order(rows) -> list[int]:
    ordered = sorted(rows, key=lambda p: (p.created_at, p.id), reverse=True)
    return [p.id for p in ordered]


def seed(make_user, count: int = 130) -> None:
    olga = make_user("olga", Role.OPERATOR)
    # Four payouts share each second, inserted out of time order: ids do not follow time.
    insert_rows(payout_row(
        olga.id, created_at=NOW - timedelta(seconds=(i * 7919 % count) // 4),
        status=PayoutStatus.FAILED.value if i % 3 == 0 else PayoutStatus.PROCESSED.value,
    ) for i in range(count))


def test_pages_have_no_duplicates_and_no_gaps(make_user, client_for):
    seed(make_user)
    make_user("max", Role.MANAGER)
    pages = walk(client_for("max"), "/payouts/")
    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 30]
    everything = db.session.scalars(db.select(Payout)).all()
    assert [i for page in pages for i in page] == expected_order(everything)


def test_filters_travel_with_the_page_links(make_user, client_for):
    seed(make_user)
    make_user("max", Role.MANAGER)
    pages = walk(client_for("max"), "/payouts/?status=failed", headers=HTMX)
    failed = db.session.scalars(db.select(Payout).filter_by(status="failed")).all()
    assert len(failed) == 44
    assert [len(p) for p in pages] == [44]
    pages = walk(client_for("max"), "/payouts/?status=processed", headers=HTMX)
    processed = db.session.scalars(db.select(Payout).filter_by(status="processed")).all()
    assert [len(p) for p in pages] == [50, 36]
    assert [i for page in pages for i in page] == expected_order(processed)


def test_a_tampered_cursor_starts_from_the_top(make_user, client_for):
    seed(make_user, count=60)
    make_user("max", Role.MANAGER)
    client = client_for("max")
    first = listed(client.get("/payouts/"))
    for junk in ("!!!", "bm90LWEtY3Vyc29y", "MjAyNC0wMS0wMXxub3Q"):
        assert listed(client.get(f"/payouts/?after={junk}")) == first


def test_cursor_round_trip():
    moment = NOW.replace(microsecond=123456)
    cursor = Cursor(moment, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(Cursor(moment.replace(tzinfo=None), 42).encode()) == cursor
