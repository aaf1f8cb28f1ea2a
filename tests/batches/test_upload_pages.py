"""/batches/new through the app, against the sandbox over HTTP: the template in the operator's
language, an upload that only validates and stores (nothing sent), the summary with every bad
row, the errors file, a corrected re-upload, and files that cannot be read."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.batches.conftest import accounts, csv_bytes
from webapp.extensions import db
from webapp.models import Batch, BatchRow, BatchStatus, Role, RowState

QUERY = "currency=USD&amount=10&service=test_usd"
HTMX = {"HX-Request": "true"}


def _upload(client, data: bytes, name: str = "pay.csv", service: str = "test_usd"):
    return client.post("/batches/new", data={
        "currency": "USD", "amount": "10", "service": service,
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _only_batch() -> Batch:
    db.session.expire_all()
    [batch] = db.session.scalars(db.select(Batch)).all()
    return batch


def test_new_page_lists_services_and_offers_the_template(operator_client, sandbox):
    page = operator_client.get("/batches/new?currency=USD&amount=10").get_data(as_text=True)
    assert "test_usd" in page and "ewallet_usd" in page
    page = operator_client.get(f"/batches/new?{QUERY}").get_data(as_text=True)
    assert "/batches/template.csv?currency=USD&amount=10.00&service=test_usd" in page.replace(
        "&amp;", "&")
    assert 'enctype="multipart/form-data"' in page
    fragment = operator_client.get(f"/batches/new?{QUERY}", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="batch-choose"' in fragment


def test_template_headers_in_the_operators_language(login_as, sandbox):
    client = login_as(Role.OPERATOR, username="ivan")
    client.post("/language", data={"language": "ru"})
    answer = client.get(f"/batches/template.csv?{QUERY}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    header = next(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert header[0] == "Аккаунт (account)"
    assert [h.rsplit("(", 1)[1].rstrip(")") for h in header] == [
        "account", "test_details_success_rate", "test_details_payout_status",
        "test_details_payout_resolution", "amount", "customer_reference_id", "customer_name",
        "customer_email", "customer_phone", "description", "saved_recipient"]
    xlsx = client.get(f"/batches/template.xlsx?{QUERY}")
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == header


def test_template_without_a_service_goes_back_to_the_choice(operator_client, sandbox):
    answer = operator_client.get("/batches/template.csv?currency=USD&amount=10&service=nope")
    assert answer.status_code == 303 and "/batches/new" in answer.headers["Location"]


def test_upload_validates_and_stores_but_sends_nothing(operator_client, sandbox):
    rows = [*accounts(3), ["12ab", "10", "Bad Account", ""], ["5", "10.0001", "Bad Amount", ""]]
    answer = _upload(operator_client, csv_bytes(rows))
    batch = _only_batch()
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/batches/{batch.id}")
    assert (batch.status, batch.row_count, batch.valid_count, batch.error_count) == (
        BatchStatus.DRAFT, 5, 3, 2)
    assert batch.total == Decimal("30.00") and batch.currency == "USD"
    assert sandbox.state.counters["create_requests"] == {}
    assert sandbox.state.stats()["invoices"] == 0
    page = operator_client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Bad Account" in page and "Bad Amount" in page
    assert "Not in the format the provider expects: 1 to 15 digits." in page
    assert "At most 2 decimal places for this currency." in page
    assert "Submit 3 rows for approval" in page


def test_the_errors_file_has_an_error_column(operator_client, sandbox):
    rows = [*accounts(1), ["12ab", "10", "Bad Account", ""]]
    _upload(operator_client, csv_bytes(rows))
    batch = _only_batch()
    answer = operator_client.get(f"/batches/{batch.id}/errors.csv")
    lines = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert lines[0][:3] == ["Row", "error", "Account (account)"]
    assert lines[1][0] == "3" and lines[1][2] == "12ab"
    assert lines[1][1].startswith("Account: Not in the format the provider expects")
    assert len(lines) == 2


def test_a_corrected_file_replaces_the_rows_and_bumps_the_version(operator_client, sandbox):
    _upload(operator_client, csv_bytes([*accounts(1), ["12ab", "10", "Bad", ""]]))
    batch = _only_batch()
    answer = operator_client.post(f"/batches/{batch.id}/upload", data={
        "file": (io.BytesIO(csv_bytes(accounts(2))), "fixed.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 303
    batch = _only_batch()
    assert (batch.version, batch.valid_count, batch.error_count, batch.file_name) == (
        2, 2, 0, "fixed.csv")
    states = db.session.scalars(db.select(BatchRow.state).filter_by(batch_id=batch.id)).all()
    assert states == [RowState.PENDING, RowState.PENDING]


def test_only_the_uploader_replaces_or_submits(operator_client, login_as, sandbox):
    _upload(operator_client, csv_bytes(accounts(2)))
    batch = _only_batch()
    other = login_as(Role.MANAGER, username="mona")
    other.post(f"/batches/{batch.id}/upload", data={
        "file": (io.BytesIO(csv_bytes(accounts(1))), "x.csv")},
        content_type="multipart/form-data")
    other.post(f"/batches/{batch.id}/submit")
    batch = _only_batch()
    assert (batch.version, batch.status, batch.row_count) == (1, BatchStatus.DRAFT, 2)
    operator_client.post(f"/batches/{batch.id}/submit")
    assert _only_batch().status == BatchStatus.AWAITING_APPROVAL


def test_files_that_cannot_be_used_get_a_message_not_an_error_page(operator_client, sandbox):
    for data, name, message in [
        (b"\x00\x01garbage", "pay.csv", "does not look like a CSV or XLSX file"),
        (b"PK\x03\x04broken", "pay.xlsx", "The XLSX file cannot be read."),
        (csv_bytes([["1"]], ["customer_name"]), "pay.csv", "Required columns are missing"),
        (b"account,amount\r\n", "pay.csv", "The file has a header but no rows."),
    ]:
        answer = _upload(operator_client, data, name)
        assert answer.status_code == 200, name
        assert message in answer.get_data(as_text=True)
    answer = _upload(operator_client, b"a,b", "pay.txt")
    assert "Upload a CSV or XLSX file." in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(Batch)).all() == []


def test_too_many_rows_is_refused_with_a_message(operator_client, sandbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "BATCH_MAX_ROWS", 3)
    answer = _upload(operator_client, csv_bytes(accounts(4)))
    assert "The file has more than 3 rows." in answer.get_data(as_text=True)


def test_cp1251_upload_keeps_cyrillic_names(operator_client, sandbox):
    rows = [["1001", "10", "Иван Петров", "Зарплата за март"]]
    _upload(operator_client, csv_bytes(rows, encoding="cp1251", delimiter=";"))
    batch = _only_batch()
    row = db.session.scalars(db.select(BatchRow).filter_by(batch_id=batch.id)).one()
    assert (row.customer_name, row.description) == ("Иван Петров", "Зарплата за март")
    assert row.fields_masked == {"account": "1001"} and row.fields_encrypted


def test_batches_page_and_rows_page(operator_client, sandbox):
    _upload(operator_client, csv_bytes([*accounts(2), ["x", "1", "Bad", ""]]))
    batch = _only_batch()
    listing = operator_client.get("/batches/").get_data(as_text=True)
    assert f"/batches/{batch.id}" in listing
    rows = operator_client.get(f"/batches/{batch.id}/rows?state=invalid").get_data(as_text=True)
    assert "Bad" in rows and "Person 0" not in rows
