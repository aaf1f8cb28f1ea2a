"""100,000 payouts: keyset pages match an OFFSET oracle, filters and totals are right, scope
holds, the page query walks the index (no sort), and SQL statements per page stay constant."""

from __future__ import annotations

import html
import re
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.tracking.listing_data import NOW, counting_statements, insert_rows, payout_row
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role, User
from webapp.payouts.list_filters import Filters
from webapp.payouts.listing import (
    Cursor,
    currency_totals,
    filtered_payouts,
    list_options,
    newest_first,
)

N = 100_000
HTMX = {"HX-Request": "true"}
STATUSES = [s.value for s in PayoutStatus]
CURRENCIES = ["USD", "EUR", "UAH", "USD", "BTC"]


def spec(i: int, creators: list[int]) -> dict:
    """Row i: shuffled times (ties in pairs), mixed creators, statuses, currencies, amounts."""
    slot = (i * 7919) % N  # a permutation: ids do not follow time
    currency = CURRENCIES[i % 5]
    amount = Decimal(i % 997 + 1) + (Decimal(i % 100) / 100 if currency != "BTC" else 0)
    return payout_row(
        creators[i % 3], created_at=NOW - timedelta(seconds=slot // 2),
        updated_at=NOW, status=STATUSES[(i // 5) % 10], currency=currency, amount=amount,
        service_code=f"svc_{currency.lower()}", customer_name=f"Person {i}",
        customer_email=f"p{i}@example.com" if i % 10 == 0 else None,
        provider_invoice_id=f"cpoi_{i:06d}",
    )


@pytest.fixture
def crowd(make_user, is_postgres):
    olga = make_user("olga", Role.OPERATOR, team="north")
    ivan = make_user("ivan", Role.OPERATOR, team="north")
    sam = make_user("sam", Role.OPERATOR, team="south")
    make_user("max", Role.MANAGER)
    creators = [olga.id, ivan.id, sam.id]
    rows = [spec(i, creators) for i in range(N)]
    started = time.monotonic()
    insert_rows(iter(rows), chunk=10_000)
    print(f"inserted {N} payouts in {time.monotonic() - started:.1f}s")
    db.session.execute(text("ANALYZE payouts" if is_postgres else "ANALYZE"))
    db.session.commit()
    return {"rows": rows, "olga": olga.id, "sam": sam.id}


def oracle(where: str = "1=1", offset: int = 0, **params) -> list[int]:
    """The same rows found the slow, obvious way: ORDER BY … OFFSET."""
    sql = (f"SELECT id FROM payouts WHERE {where} "  # noqa: S608 - fixed test fragments
           "ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET :offset")
    return list(db.session.scalars(text(sql), {"offset": offset, **params}))


def cursor_at(position: int, where: str = "1=1", **params) -> str:
    """The cursor of the row just before `position` in list order."""
    sql = (f"SELECT created_at, id FROM payouts WHERE {where} "  # noqa: S608
           "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :offset")
    created_at, ident = db.session.execute(text(sql), {"offset": position - 1, **params}).one()
    if isinstance(created_at, str):  # SQLite through a text() query
        created_at = datetime.fromisoformat(created_at)
    return Cursor(created_at, ident).encode()


def fetch(client, url: str, headers=None) -> tuple[list[int], int, str]:
    db.session.remove()  # a fresh session, as each real request gets
    with counting_statements() as statements:
        started = time.monotonic()
        response = client.get(url, headers=headers or {})
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.data[:300]
    body = response.get_data(True)
    print(f"{url[:70]:70} {len(statements)} statements {elapsed * 1000:.0f} ms")
    return [int(i) for i in re.findall(r'<a href="/payouts/(\d+)">', body)], len(statements), body


def next_url(body: str) -> str:
    return html.unescape(re.search(r'<a href="([^"]+)" class="button" rel="next"', body).group(1))


def test_list_on_100k_payouts(crowd, client_for, is_postgres):
    manager = client_for("max")
    failed_eur = "status = 'failed' AND currency = 'EUR' AND amount >= 100"
    deep = cursor_at(60_000)
    pages = {
        "first": ("/payouts/", oracle()),
        "deep": (f"/payouts/?after={deep}", oracle(offset=60_000)),
        "filtered": ("/payouts/?status=failed&currency=EUR&amount_min=100", oracle(failed_eur)),
        "filtered deep": (
            f"/payouts/?status=failed&currency=EUR&amount_min=100&after="
            f"{cursor_at(1_000, failed_eur)}", oracle(failed_eur, offset=1_000)),
    }
    counts = {}
    fetch(manager, "/payouts/", {})  # warms the per-scope cache of the filter choices
    for name, (url, expected) in pages.items():
        assert len(expected) == 50, name
        for kind, headers in (("htmx", HTMX), ("full", {})):
            ids, statements, _body = fetch(manager, url, headers)
            assert ids == expected, (name, kind)
            counts[name, kind] = statements
    htmx_counts = {n for (_name, kind), n in counts.items() if kind == "htmx"}
    full_counts = {n for (_name, kind), n in counts.items() if kind == "full"}
    assert len(htmx_counts) == 1 and len(full_counts) == 1, counts
    # session with user and roles, page: totals come in their own request, filter choices
    # from the cache
    assert htmx_counts.pop() == 2 and full_counts.pop() == 2, counts
    totals = {fetch(manager, url.replace("/payouts/", "/payouts/totals"), HTMX)[1]
              for url, _expected in pages.values()}
    assert totals == {2}, totals  # session with user and roles, one GROUP BY

    # The next link of the first filtered page continues exactly where it ended.
    _ids, _n, body = fetch(manager, pages["filtered"][0], HTMX)
    ids, _n, _body = fetch(manager, next_url(body), HTMX)
    assert ids == oracle(failed_eur, offset=50)
    assert_page_query_walks_the_index(is_postgres)


def test_filters_totals_and_scope_on_100k_payouts(crowd, client_for):
    rows = crowd["rows"]
    manager = client_for("max")
    _ids, _n, body = fetch(manager, "/payouts/totals?status=processed&amount_max=10", HTMX)
    expected = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        if row["status"] == "processed" and row["amount"] <= 10:
            expected[row["currency"]][0] += 1
            expected[row["currency"]][1] += row["amount"]
    assert expected and all(n > 0 for n, _t in expected.values())
    manager_user = db.session.scalars(db.select(User).filter_by(username="max")).one()
    found = currency_totals(filtered_payouts(
        manager_user, Filters(statuses=("processed",), amount_max=Decimal(10))))
    assert {t.currency: [t.count, t.total] for t in found} == dict(expected)
    for count, _total in expected.values():
        assert f"{count} payouts" in body

    # Search: exact provider invoice id, and e-mail contains (every tenth row has one).
    ids, _n, _body = fetch(manager, "/payouts/?q=cpoi_012345", HTMX)
    assert ids == [db.session.scalar(db.select(Payout.id).filter_by(
        provider_invoice_id="cpoi_012345"))]
    ids, _n, _body = fetch(manager, "/payouts/?q=P1234", HTMX)  # only p12340@example.com
    assert ids == [db.session.scalar(db.select(Payout.id).filter_by(
        customer_email="p12340@example.com"))]
    ids, _n, _body = fetch(manager, "/payouts/?q=person+4242", HTMX)  # 4242 and 42420-42429
    assert len(ids) == 11

    # An operator of team north never sees team south's payouts, on any page or filter.
    north = client_for("olga")
    sam_id = crowd["sam"]
    where = "created_by_id != :sam"
    first, n_first, _body = fetch(north, "/payouts/", HTMX)
    assert first == oracle(where, sam=sam_id)
    deep, n_deep, _body = fetch(north, f"/payouts/?after={cursor_at(30_000, where, sam=sam_id)}",
                                HTMX)
    assert deep == oracle(where, offset=30_000, sam=sam_id)
    assert n_first == n_deep
    by_creator = Counter(r["created_by_id"] for r in rows)
    olga_user = db.session.get(User, crowd["olga"])
    totals = db.session.execute(
        filtered_payouts(olga_user, Filters()).with_only_columns(db.func.count())).scalar()
    assert totals == N - by_creator[sam_id]
    ids, _n, _body = fetch(north, f"/payouts/?creator={sam_id}", HTMX)
    assert ids == []


def assert_page_query_walks_the_index(is_postgres: bool) -> None:
    """First and deep pages are read backwards from ix_payouts_created_at_id: no sort of 100k
    rows, no OFFSET."""
    manager = db.session.scalars(db.select(User).filter_by(username="max")).one()
    middle = db.session.execute(
        db.select(Payout.created_at, Payout.id).order_by(Payout.created_at.desc(),
                                                         Payout.id.desc()).offset(60_000)
    ).first()
    for after in (None, Cursor(*middle)):
        query = newest_first(filtered_payouts(manager, Filters()), after)
        query = query.options(*list_options()).limit(51)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN" if is_postgres else "EXPLAIN QUERY PLAN"
        plan = "\n".join(str(r) for r in db.session.execute(text(f"{explain} {compiled}")))
        assert "ix_payouts_created_at_id" in plan, plan
        assert ("Sort" if is_postgres else "TEMP B-TREE") not in plan, plan
