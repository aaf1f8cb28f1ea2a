"""Upload bombs: small files that unpack or expand to gigabytes, or claim a million rows. Each
is refused with a message, and the app's process (its own, measured in /proc) grows by less
than 50 MB while handling it.

Reproduction: a 0.5 MB XLSX with one huge shared string took the app from 144 MB to 1.1 GB;
a 1.5 KB XLSX whose dimension claims a million rows cost ~8 s of CPU."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator

import pytest
import requests
from openpyxl import Workbook

from tests.conftest import TEST_PASSWORD
from tests.security.app_process import AppProcess, app_process, signed_in_session
from webapp.models import Role, User
from webapp.sandbox import SandboxServer

MB = 1024 * 1024
GROWTH_LIMIT = 50 * MB
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _template() -> dict[str, bytes]:
    """The parts of a real one-sheet workbook (openpyxl's), to replace some of them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["account", "amount", "customer_name", "description"])
    sheet.append(["1001", "10.00", "Ann", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xlsx(replace: dict[str, Callable[[], Iterator[bytes]]]) -> bytes:
    """A workbook whose parts in `replace` are written from generators, streamed through the
    compressor (the test never holds the unpacked bomb in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        parts = _template()
        for name in set(parts) | set(replace):
            if name in replace:
                with archive.open(name, "w", force_zip64=True) as part:
                    for chunk in replace[name]():
                        part.write(chunk)
            else:
                archive.writestr(name, parts[name])
    return out.getvalue()


def repeated(head: bytes, unit: bytes, times: int, tail: bytes) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        yield head
        block = unit * max(1, (1 * MB) // len(unit))
        written = 0
        while written + len(block) // len(unit) <= times:
            yield block
            written += len(block) // len(unit)
        yield unit * (times - written)
        yield tail

    return chunks


def one_huge_shared_string() -> bytes:
    return xlsx({"xl/sharedStrings.xml": repeated(
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" count="1" uniqueCount="1"><si><t>', b"A", 400 * MB, b"</t></si></sst>")})


def millions_of_shared_strings() -> bytes:
    return xlsx({"xl/sharedStrings.xml": repeated(
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main">', b"<si><t>a</t></si>", 3_000_000, b"</sst>")})


def claimed_million_rows() -> bytes:
    def sheet() -> Iterator[bytes]:
        yield (SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>'
               b'<row r="1"><c r="A1" t="inlineStr"><is><t>account</t></is></c>'
               b'<c r="B1" t="inlineStr"><is><t>amount</t></is></c></row>'
               b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>1</t></is></c></row>'
               b"</sheetData></worksheet>")

    return xlsx({"xl/worksheets/sheet1.xml": sheet})


def huge_sheet() -> bytes:
    row = (b'<row><c t="inlineStr"><is><t>1001</t></is></c><c t="inlineStr"><is><t>10.00</t>'
           b"</is></c></row>")
    return xlsx({"xl/worksheets/sheet1.xml": repeated(SHEET_HEAD + b"<sheetData>", row,
                                                      3_000_000, b"</sheetData></worksheet>")})


def huge_inline_cell() -> bytes:
    return xlsx({"xl/worksheets/sheet1.xml": repeated(
        SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>', b"B", 15 * MB,
        b"</t></is></c></row></sheetData></worksheet>")})


def huge_styles() -> bytes:
    return xlsx({"xl/styles.xml": repeated(
        b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><cellXfs>', b'<xf numFmtId="0" fontId="0"/>', 2_000_000,
        b"</cellXfs></styleSheet>")})


def lying_sizes() -> bytes:
    """A part whose declared size is small but whose data unpacks to much more."""
    data = bytearray(one_huge_shared_string())
    # Patch the central directory's uncompressed size of sharedStrings.xml to 1 KB.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    name = info.filename.encode()
    at = data.rfind(name) - 46  # the central directory entry's fixed part precedes the name
    assert data[at:at + 4] == b"PK\x01\x02"
    data[at + 24:at + 28] = (1024).to_bytes(4, "little")
    return bytes(data)


def huge_csv_field() -> bytes:
    return b"account,amount\r\n" + b'"' + b"9" * (4 * MB) + b'",10\r\n'


BOMBS = {
    "one huge shared string": (one_huge_shared_string, "unpacks to more than we can read"),
    "millions of shared strings": (millions_of_shared_strings, "unpacks to more than"),
    "a claimed million rows": (claimed_million_rows, "more than"),
    "a huge sheet": (huge_sheet, "unpacks to more than"),
    "a huge inline cell": (huge_inline_cell, "characters"),
    "huge styles": (huge_styles, "unpacks to more than"),
    "sizes that lie": (lying_sizes, "cannot be read"),
}


@pytest.fixture
def desk_process(app: object, make_user: Callable[..., User], database_url: str,
                 sandbox: SandboxServer) -> Iterator[tuple[AppProcess, requests.Session]]:
    make_user("olga", Role.OPERATOR)
    with app_process(database_url, sandbox.url) as process:
        session = signed_in_session(process.url, "olga", TEST_PASSWORD)
        # Warm up with a good file: imports, templates and locale data are loaded once.
        answer = upload(process, session, _good_xlsx(), "pay.xlsx")
        assert answer.status_code in (200, 303), answer.text[:300]
        yield process, session


def _good_xlsx() -> bytes:
    return xlsx({})


def upload(process: AppProcess, session: requests.Session, data: bytes,
           name: str) -> requests.Response:
    return session.post(f"{process.url}/batches/new", timeout=120, allow_redirects=False,
                        data={"currency": "USD", "amount": "10", "service": "test_usd"},
                        files={"file": (name, data)})


@pytest.mark.parametrize("bomb", [*BOMBS, "a huge CSV field"])
def test_bomb_is_refused_and_memory_stays_bounded(bomb: str, desk_process: tuple[
        AppProcess, requests.Session]) -> None:
    process, session = desk_process
    if bomb == "a huge CSV field":
        data, name, message = huge_csv_field(), "pay.csv", "malformed"
    else:
        make, message = BOMBS[bomb]
        data, name = make(), "pay.xlsx"
    process.reset_peak()
    before = process.status("VmRSS")
    started = time.monotonic()
    answer = upload(process, session, data, name)
    elapsed = time.monotonic() - started
    growth = process.status("VmHWM") - before
    print(f"\nupload bomb {bomb!r}: {len(data) / 1024:.0f} KB uploaded, process peak "
          f"+{growth / MB:.1f} MB over {before / MB:.0f} MB, answered in {elapsed:.2f} s")
    assert answer.status_code == 200, answer.status_code
    assert message in answer.text, answer.text[-2000:]
    assert growth < GROWTH_LIMIT
