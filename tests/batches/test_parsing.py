"""Reading files: UTF-8 and cp1251 (auto-detected), separators, XLSX, and clear refusals."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from tests.batches.conftest import csv_bytes
from webapp.batches.parsing import FileRejected, decode_text, parse_upload

CYRILLIC = [["4001", "10.50", "Иван Петров", "Зарплата"],
            ["4002", "11", "Олена Ковальчук", "Премія"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_cyrillic_names_survive_each_encoding(encoding):
    parsed = parse_upload("pay.csv", csv_bytes(CYRILLIC, encoding=encoding))
    assert parsed.headers == ["account", "amount", "customer_name", "description"]
    assert [cells for _n, cells in parsed.rows] == CYRILLIC
    assert parsed.encoding == ("cp1251" if encoding == "cp1251" else "utf-8")


def test_utf8_is_preferred_when_both_would_decode():
    assert decode_text("Иван".encode()) == ("Иван", "utf-8")
    assert decode_text("Иван".encode("cp1251")) == ("Иван", "cp1251")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_separators_are_detected(delimiter):
    parsed = parse_upload("pay.csv", csv_bytes(CYRILLIC, delimiter=delimiter, encoding="cp1251"))
    assert parsed.rows[1][1] == CYRILLIC[1]


def test_row_numbers_follow_the_spreadsheet_and_blank_lines_are_skipped():
    data = b"account,amount\r\n1,2\r\n,\r\n\r\n3,4\r\n"
    parsed = parse_upload("pay.csv", data)
    assert [(n, c) for n, c in parsed.rows] == [(2, ["1", "2"]), (5, ["3", "4"])]


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_numbers_are_read_exactly_and_text_as_typed():
    data = _xlsx([["Account (account)", "Amount (amount)", "Recipient name (customer_name)"],
                  [1234567, 10.1, "Иван"], ["0042", 0.3, None], [99, 1e-05, "x"]])
    parsed = parse_upload("pay.xlsx", data)
    assert [cells for _n, cells in parsed.rows] == [
        ["1234567", "10.1", "Иван"], ["0042", "0.3", ""], ["99", "0.00001", "x"]]
    assert Decimal(parsed.rows[0][1][1]) == Decimal("10.1")


def test_xlsx_is_recognised_by_content_whatever_the_name():
    parsed = parse_upload("export.csv", _xlsx([["account"], ["1"]]))
    assert parsed.rows == [(2, ["1"])]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("pay.csv", b"", "empty"),
    ("pay.csv", b"account,amount\r\n", "no rows"),
    ("pay.csv", b"\r\n\r\n", "no header"),
    ("pay.xlsx", b"PK\x03\x04 definitely not a zip", "cannot be read"),
    ("pay.xls", b"\xd0\xcf\x11\xe0", "CSV or XLSX"),
    ("pay.csv", b"\x00\x01\x02binary\x00", "does not look like"),
])
def test_unusable_files_get_a_clear_message(name, data, message):
    with pytest.raises(FileRejected) as refused:
        parse_upload(name, data)
    assert message in str(refused.value)


def test_an_xlsx_without_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(FileRejected):
        parse_upload("pay.xlsx", buffer.getvalue())


def test_row_and_size_caps():
    rows = [[str(i), "1"] for i in range(11)]
    assert len(parse_upload("p.csv", csv_bytes(rows, ["a", "b"]), max_rows=11).rows) == 11
    with pytest.raises(FileRejected, match="more than 10 rows"):
        parse_upload("p.csv", csv_bytes(rows, ["a", "b"]), max_rows=10)
    with pytest.raises(FileRejected, match="larger than 1 MB"):
        parse_upload("p.csv", b"a\r\n" + b"1\r\n" * 600_000, max_bytes=1024 * 1024)
