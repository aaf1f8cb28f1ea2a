"""Exports as the reader's spreadsheet reads them: ru/uk CSV with ";" and a decimal comma,
English with "," and a dot; headers and statuses in the reader's language; times in the
reader's zone with the offset; XLSX with real numbers whatever the language."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from webapp.extensions import db
from webapp.models import Role, User

CASES = {
    # language: (separator, amount as written, header "Amount")
    "en": (",", "1500.50", "Amount"),
    "ru": (";", "1500,50", "Сумма"),
    "uk": (";", "1500,50", "Сума"),
}


def status_in(app, language: str) -> str:
    from flask_babel import force_locale

    from webapp.payout_core.labels import status_label

    with app.test_request_context(), force_locale(language):
        return str(status_label("awaiting_approval"))


@pytest.fixture
def exported(make_user, make_payout, client_for):
    olga = make_user("olga", Role.OPERATOR)
    payout = make_payout(olga, amount="1500.50", currency="USD")
    make_user("max", Role.MANAGER)

    def download(language: str, zone: str = "UTC", kind: str = "csv"):
        user = db.session.scalar(db.select(User).where(User.username == "max"))
        user.language, user.timezone = language, zone
        db.session.commit()
        response = client_for("max").get(f"/payouts/export.{kind}")
        assert response.status_code == 200, response.data[:300]
        return payout, response

    return download


@pytest.mark.parametrize("language", list(CASES))
def test_csv_separator_and_decimal_sign_follow_the_language(language, exported, app):
    separator, amount, amount_header = CASES[language]
    status = status_in(app, language)
    assert language == "en" or status != status_in(app, "en")
    payout, response = exported(language)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header_line = text[1:].splitlines()[0]
    assert header_line.count(separator) == 15, header_line  # 16 columns, as Excel splits them
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=separator))
    header, [row] = rows[0], rows[1:]
    line = dict(zip(header, row, strict=True))
    assert line[amount_header] == amount
    assert status in line.values()
    assert str(payout.id) in row


@pytest.mark.parametrize("language", list(CASES))
def test_csv_times_are_in_the_readers_zone_with_the_offset(language, exported):
    separator = CASES[language][0]
    payout, response = exported(language, zone="Europe/Kyiv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]),
                           delimiter=separator))
    created = datetime.fromisoformat(rows[1][2])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() in (7200,
                                                                                       10800)
    stored = payout.created_at
    assert created.replace(tzinfo=None) != stored.replace(tzinfo=None)  # shifted from UTC
    assert abs((created - stored.astimezone(created.tzinfo)).total_seconds()) < 1


@pytest.mark.parametrize("language", ["en", "ru"])
def test_xlsx_amounts_are_numbers_in_every_language(language, exported):
    _payout, response = exported(language, kind="xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    amount = sheet.cell(row=2, column=header.index(CASES[language][2]) + 1)
    assert amount.value == Decimal("1500.50") or amount.value == 1500.5
    assert amount.number_format == "0.00"
