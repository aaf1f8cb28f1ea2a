"""The payouts list: each filter narrows, search, totals, bad input beside the field, htmx."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.tracking.listing_data import NOW, add, days_ago
from webapp.extensions import db
from webapp.models import PayoutStatus, Role, User
from webapp.payouts.list_filters import Filters
from webapp.payouts.listing import currency_totals, filtered_payouts

S = PayoutStatus
HTMX = {"HX-Request": "true"}


def listed(response) -> list[int]:
    assert response.status_code == 200, response.data[:300]
    return [int(i) for i in re.findall(r'<a href="/payouts/(\d+)">', response.get_data(True))]


@pytest.fixture
def world(make_user):
    olga = make_user("olga", Role.OPERATOR)
    ivan = make_user("ivan", Role.OPERATOR)
    make_user("max", Role.MANAGER)
    a = add(olga.id, created_at=NOW, customer_email="rita@example.com",
            provider_invoice_id="cpoi_aaa")
    b = add(ivan.id, amount=Decimal("250.00"), currency="EUR", service_code="iban_eur",
            status=S.PROCESSED.value, created_at=days_ago(3), customer_name="Bob Builder",
            customer_email="bob@site.org")
    c = add(olga.id, amount=Decimal("0.005"), currency="BTC", service_code="bitcoin_btc",
            status=S.FAILED.value, created_at=days_ago(10), customer_name="Carla")
    d = add(ivan.id, amount=Decimal("99.99"), status=S.FAILED_TO_CREATE.value,
            created_at=days_ago(1), customer_name="Dan 100%_off")
    return {"a": a, "b": b, "c": c, "d": d, "olga": olga, "ivan": ivan}


def ids(world, names: str) -> list[int]:
    return [world[n].id for n in names]


def test_everything_newest_first_without_filters(world, client_for):
    assert listed(client_for("max").get("/payouts/")) == ids(world, "adbc")


@pytest.mark.parametrize(("query", "expected"), [
    ("status=processed", "b"),
    ("status=failed&status=failed_to_create", "dc"),
    ("currency=EUR", "b"),
    ("service=test_usd", "ad"),
    ("amount_min=50", "db"),
    ("amount_max=50", "ac"),
    ("amount_min=50&amount_max=100", "d"),
    ("amount_min=99,99&amount_max=99.99", "d"),
    ("currency=USD&status=awaiting_approval", "a"),
])
def test_each_filter_narrows(world, client_for, query, expected):
    assert listed(client_for("max").get(f"/payouts/?{query}", headers=HTMX)) == ids(world, expected)


def test_creator_filter(world, client_for):
    response = client_for("max").get(f"/payouts/?creator={world['ivan'].id}")
    assert listed(response) == ids(world, "db")


def test_date_range_is_inclusive_in_whole_days(world, client_for):
    start = (NOW - timedelta(days=4)).date().isoformat()
    end = (NOW - timedelta(days=2)).date().isoformat()
    response = client_for("max").get(f"/payouts/?created_from={start}&created_to={end}")
    assert listed(response) == ids(world, "b")
    today = NOW.date().isoformat()
    response = client_for("max").get(f"/payouts/?created_from={today}&created_to={today}")
    assert listed(response) == ids(world, "a")


def test_dates_are_read_in_the_users_time_zone(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR)
    make_user("tokyo", Role.MANAGER, timezone="Asia/Tokyo")
    make_user("utc", Role.MANAGER)
    late = add(olga.id, created_at=datetime(2024, 1, 1, 20, 0, tzinfo=UTC))  # 05:00 on the 2nd
    query = "/payouts/?created_from=2024-01-02&created_to=2024-01-02"
    assert listed(client_for("tokyo").get(query)) == [late.id]
    assert listed(client_for("utc").get(query)) == []
    first = "/payouts/?created_from=2024-01-01&created_to=2024-01-01"
    assert listed(client_for("utc").get(first)) == [late.id]
    assert listed(client_for("tokyo").get(first)) == []


@pytest.mark.parametrize(("q", "expected"), [
    ("cpoi_aaa", "a"),          # provider invoice id, exact
    ("cpoi_aa", ""),            # ids match whole, not in part
    ("bob", "b"),               # e-mail or name, any case
    ("BUILDER", "b"),
    ("site.org", "b"),
    ("100%", "d"),              # % is a character here, not a wildcard
    ("_off", "d"),
    ("rita", "a"),
])
def test_search_box(world, client_for, q, expected):
    response = client_for("max").get("/payouts/", query_string={"q": q}, headers=HTMX)
    assert listed(response) == ids(world, expected)


def test_search_by_reference_id(world, client_for):
    reference = world["c"].reference_id
    client = client_for("max")
    assert listed(client.get("/payouts/", query_string={"q": reference})) == ids(world, "c")
    assert listed(client.get("/payouts/", query_string={"q": reference[:8]})) == []


def test_totals_by_currency_for_the_filtered_set(world, client_for):
    manager = db.session.scalars(db.select(User).filter_by(username="max")).one()
    totals = {t.currency: (t.count, t.total) for t in currency_totals(
        filtered_payouts(manager, Filters()))}
    assert totals == {"USD": (2, Decimal("109.99")), "EUR": (1, Decimal("250.00")),
                      "BTC": (1, Decimal("0.005"))}
    narrowed = currency_totals(filtered_payouts(manager, Filters(amount_max=Decimal(50))))
    assert [(t.currency, t.count, t.total) for t in narrowed] == [
        ("BTC", 1, Decimal("0.005")), ("USD", 1, Decimal("10.00"))]
    client = client_for("max")
    page = client.get("/payouts/?amount_min=50").get_data(True)
    assert "$99.99" in page and "€250.00" in page and "$109.99" not in page
    # Totals load in their own request, with the same filters (htmx on load; a link without JS).
    assert 'hx-get="/payouts/totals?amount_min=50"' in page
    fragment = client.get("/payouts/totals?amount_min=50", headers={"HX-Request": "true"})
    text = fragment.get_data(True)
    assert "<html" not in text and "$99.99" in text and "€250.00" in text
    assert "1 payout" in text and "$109.99" not in text
    full = client.get("/payouts/totals?amount_min=50").get_data(True)
    assert "<html" in full and 'href="/payouts/?amount_min=50"' in full


@pytest.mark.parametrize(("query", "field", "message", "expected"), [
    ("amount_min=abc", "amount_min", "Enter the amount as digits", "adbc"),
    ("amount_min=100&amount_max=5", "amount_max", "Must not be less", "b"),
    ("amount_min=abc&currency=USD", "amount_min", "Enter the amount as digits", "ad"),
    ("created_from=yesterday", "created_from", "Not a valid date", "adbc"),
    ("created_from=2024-02-10&created_to=2024-02-01", "created_to", "Must not be before", "adbc"),
    ("status=bogus", "status", "not a valid choice", "adbc"),
    ("creator=someone", "creator", "Invalid Choice", "adbc"),
])
def test_bad_input_is_explained_beside_the_field(world, client_for, query, field, message,
                                                 expected):
    client = client_for("max")
    full = client.get(f"/payouts/?{query}")
    slot = re.search(rf'<div id="{field}-error" class="filter-error">(.*?)</div>',
                     full.get_data(True), re.S)
    assert slot and message in slot.group(1)
    assert listed(full) == ids(world, expected)  # the bad filter is left out, the rest apply
    fragment = client.get(f"/payouts/?{query}", headers=HTMX).get_data(True)
    assert re.search(rf'id="{field}-error" class="filter-error" hx-swap-oob="true">'
                     rf'<p class="error" role="alert">[^<]*{message}', fragment)


def test_htmx_gets_the_fragment_and_the_page_varies_on_it(world, client_for):
    client = client_for("max")
    fragment = client.get("/payouts/?currency=EUR", headers=HTMX)
    body = fragment.get_data(True)
    assert "<html" not in body and 'id="payout-list"' in body
    assert 'id="payout-filters"' not in body
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.get("/payouts/?currency=EUR")
    assert "<html" in full.get_data(True) and "HX-Request" in full.headers["Vary"]


def test_a_bookmarked_url_fills_the_form(world, client_for):
    page = client_for("max").get(
        "/payouts/?q=bob&status=processed&currency=EUR&amount_min=5").get_data(True)
    assert re.search(r'<input[^>]*id="q"[^>]*value="bob"', page)
    assert re.search(r'<input[^>]*checked[^>]*value="processed"|'
                     r'<input[^>]*value="processed"[^>]*checked', page)
    assert re.search(r'<option selected value="EUR">|<option value="EUR" selected>', page)
    assert 'hx-push-url="true"' in page
    csv_link = re.search(r'href="(/payouts/export\.csv[^"]*)"', page).group(1)
    assert "q=bob" in csv_link and "currency=EUR" in csv_link and "amount_min=5" in csv_link


def test_the_cached_filter_form_follows_query_language_and_options(world, client_for, app):
    """The filter form's HTML is kept per language, query and option set: each of those
    changes what the page shows, and a second identical request shows the same."""
    max_ = client_for("max")

    def form_html(response) -> str:
        body = response.get_data(True)
        start = body.index('<form id="payout-filters"')
        return body[start:body.index("</form>", start)]

    plain = form_html(max_.get("/payouts/"))
    assert form_html(max_.get("/payouts/")) == plain
    euros = form_html(max_.get("/payouts/?currency=EUR&q=Bob"))
    assert re.search(r'<option selected value="EUR">|<option value="EUR" selected', euros)
    assert 'value="Bob"' in euros and 'value="Bob"' not in plain
    bad = form_html(max_.get("/payouts/?amount_min=abc"))
    assert 'aria-invalid="true"' in bad and 'aria-invalid="true"' not in plain
    max_.post("/language", data={"language": "uk"})
    ukrainian = form_html(max_.get("/payouts/"))
    assert "Пошук" in ukrainian and "Пошук" not in plain
    # A new service appears in the options once the choices are read again.
    add(world["olga"].id, service_code="brand_new_service", created_at=NOW)
    app.extensions.pop("payout_filter_choices", None)
    assert "brand_new_service" in form_html(max_.get("/payouts/"))
