"""CSV and XLSX exports: the filtered set, every page, masked, formula-safe, scoped."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from tests.tracking.listing_data import NOW, add, insert_rows, payout_row
from webapp.downloads import guard
from webapp.models import PayoutStatus, Role
from webapp.payouts import export

CARD = "5123810000000000"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_masked_fields_and_plain_amounts(
        make_user, make_payout, client_for, sandbox):
    olga = make_user("olga", Role.OPERATOR)
    card = make_payout(olga, amount="1500.50", currency="UAH", service="card_uah",
                       fields={"card_number": CARD})
    usd = make_payout(olga, amount="12.3", currency="USD")
    make_user("max", Role.MANAGER)
    response = client_for("max").get("/payouts/export.csv")
    body = response.get_data(True)
    assert CARD not in body and "512381******0000" in body
    rows = read_csv(response)
    by_id = {int(r["ID"]): r for r in rows}
    assert set(by_id) == {card.id, usd.id}
    assert by_id[card.id]["Amount"] == "1500.50" and by_id[card.id]["Currency"] == "UAH"
    assert by_id[card.id]["Recipient details"] == "card_number: 512381******0000"
    assert by_id[usd.id]["Amount"] == "12.30" and by_id[usd.id]["Service"] == "test_usd"
    assert by_id[usd.id]["Reference"] == usd.reference_id
    assert by_id[usd.id]["Created by"] == "olga"
    assert by_id[usd.id]["Provider invoice"] == usd.provider_invoice_id


def test_csv_follows_the_list_filters_and_reads_every_page(make_user, client_for, monkeypatch):
    olga = make_user("olga", Role.OPERATOR)
    monkeypatch.setattr(export, "BATCH", 7)  # many keyset batches, ties on created_at included
    insert_rows(payout_row(olga.id, created_at=NOW - timedelta(seconds=i // 3),
                           amount=Decimal(i + 1), currency="EUR" if i % 2 else "JPY",
                           service_code="iban_eur" if i % 2 else "bank_transfer_jpy")
                for i in range(120))
    make_user("max", Role.MANAGER)
    rows = read_csv(client_for("max").get("/payouts/export.csv?currency=JPY"))
    assert len(rows) == 60 and len({r["ID"] for r in rows}) == 60
    assert {r["Currency"] for r in rows} == {"JPY"}
    assert sorted(int(r["Amount"]) for r in rows) == list(range(1, 121, 2))  # JPY: no decimals
    everything = read_csv(client_for("max").get("/payouts/export.csv"))
    assert len(everything) == 120
    assert [int(r["ID"]) for r in everything] == sorted(
        (int(r["ID"]) for r in everything),
        key=lambda i: (NOW - timedelta(seconds=(i - 1) // 3), i), reverse=True)


def test_formula_injection_is_neutralised(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR)
    add(olga.id, customer_name="=HYPERLINK(\"http://evil\")", customer_email="@SUM(A1)",
        description="+1+2", fields_masked={"account": "-3-4"})
    make_user("max", Role.MANAGER)
    [row] = read_csv(client_for("max").get("/payouts/export.csv"))
    assert row["Recipient name"] == "'=HYPERLINK(\"http://evil\")"
    assert row["Recipient e-mail"] == "'@SUM(A1)"
    assert row["Description"] == "'+1+2"
    assert row["Recipient details"] == "account: -3-4"  # starts with a letter: left alone
    assert guard("-3") == "'-3" and guard("\t=1") == "'\t=1"
    assert guard("Rita") == "Rita"


def test_xlsx_opens_with_openpyxl(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR)
    add(olga.id, amount=Decimal("0.00500000"), currency="BTC", service_code="bitcoin_btc",
        customer_name="=1+1", status=PayoutStatus.PROCESSED.value)
    add(olga.id, amount=Decimal("20.00"), created_at=NOW - timedelta(days=1))
    make_user("max", Role.MANAGER)
    response = client_for("max").get("/payouts/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("ID", "Reference", "Created", "Status", "Amount", "Currency")
    assert len(rows) == 3
    btc = dict(zip(header, rows[1], strict=True))
    assert Decimal(str(btc["Amount"])) == Decimal("0.005") and btc["Currency"] == "BTC"
    assert btc["Recipient name"] == "'=1+1" and btc["Status"] == "Paid"
    assert btc["Created"].date() == NOW.date()


def test_export_is_scoped_like_the_list(make_user, client_for):
    olga = make_user("olga", Role.OPERATOR, team="north")
    ivan = make_user("ivan", Role.OPERATOR, team="north")
    sam = make_user("sam", Role.OPERATOR, team="south")
    mine = add(olga.id)
    teams = add(ivan.id)
    other = add(sam.id, customer_name="Someone Else")
    rows = read_csv(client_for("olga").get("/payouts/export.csv"))
    assert {int(r["ID"]) for r in rows} == {mine.id, teams.id}
    assert read_csv(client_for("olga").get(f"/payouts/export.csv?creator={sam.id}")) == []
    assert read_csv(client_for("olga").get(f"/payouts/export.csv?q={other.reference_id}")) == []
    sheet = load_workbook(io.BytesIO(client_for("sam").get("/payouts/export.xlsx").data),
                          read_only=True).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [other.id]


def test_every_role_may_export_and_anonymous_may_not(login_as, client):
    for role in Role:
        response = login_as(role).get("/payouts/export.csv")
        assert response.status_code == 200, role
        assert response.get_data(True).startswith("\ufeffID,Reference,")
    assert client.get("/payouts/export.csv").status_code in {302, 303}


def test_csv_is_streamed_in_chunks_and_may_be_abandoned(make_user, client_for, monkeypatch):
    olga = make_user("olga", Role.OPERATOR)
    monkeypatch.setattr(export, "BATCH", 100)
    insert_rows(payout_row(olga.id, created_at=NOW - timedelta(seconds=i)) for i in range(1200))
    make_user("max", Role.MANAGER)
    client = client_for("max")
    response = client.get("/payouts/export.csv", buffered=False)
    chunks = list(response.response)
    assert len(chunks) == 3  # header and 500 rows, 500 rows, 200 rows
    assert sum(chunk.count(b"\n") for chunk in chunks) == 1201
    abandoned = client.get("/payouts/export.csv", buffered=False)
    first = next(iter(abandoned.response))
    assert first.startswith("\ufeffID,".encode())
    abandoned.close()  # the reader went away: no context or connection is left behind
    assert len(read_csv(client.get("/payouts/export.csv"))) == 1200
