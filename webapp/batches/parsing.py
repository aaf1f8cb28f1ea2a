"""Reading an uploaded batch file: CSV (UTF-8, or cp1251 as Excel saves it in Russian and
Ukrainian locales; comma, semicolon or tab) or XLSX (first sheet, streamed). Whatever the file
holds, the answer is rows of text or a `FileRejected` with a message for the operator."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from webapp.batches.xlsx_limits import ArchiveRefused, check_xlsx
from webapp.lazy_text import lazy_gettext as _l

MAX_ROWS = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 64
MAX_BLANK_ROWS = 10_000  # empty rows between the rows of a file, all counted together
MAX_CELL_CHARS = 2048  # longer than any column we accept; the validators say what is too long


class FileRejected(ValueError):
    """The file as a whole cannot be used; `message` is lazy and translatable."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)
    encoding: str | None = None


def parse_upload(file_name: str, data: bytes, max_rows: int = MAX_ROWS,
                 max_bytes: int = MAX_FILE_BYTES) -> ParsedFile:
    if not data:
        raise FileRejected(_l("The file is empty."))
    if len(data) > max_bytes:
        raise FileRejected(_l("The file is larger than %(size)s MB.",
                              size=max_bytes // (1024 * 1024)))
    name = (file_name or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _parse_xlsx(data, max_rows)
    if name.endswith((".xls", ".ods")):
        raise FileRejected(_l("Save the file as CSV or XLSX and upload it again."))
    return _parse_csv(data, max_rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) when it decodes; else cp1251, which decodes any byte but
    one: a file that is neither ends up as a clear refusal, never as a crash."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise FileRejected(_l("The file is not text in UTF-8 or Windows-1251.")) from exc


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _parse_csv(data: bytes, max_rows: int) -> ParsedFile:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise FileRejected(_l("This does not look like a CSV or XLSX file."))
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:4096]))
    try:
        return _collect(reader, max_rows, encoding)
    except csv.Error as exc:
        raise FileRejected(_l("The CSV file is malformed: %(reason)s", reason=str(exc))) from exc


def _cell_text(value: Any) -> str:
    """Spreadsheet values as the operator typed them. Numbers stay exact: a float is read
    through its shortest repr, so 10.1 is "10.1", never 10.0999999…"""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _parse_xlsx(data: bytes, max_rows: int) -> ParsedFile:
    """openpyxl in read-only (streaming) mode, after `xlsx_limits` checked what the archive
    unpacks to; the sheet's claimed dimension is ignored (it padded every row to the claimed
    width, and a claimed million rows cost seconds)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ArchiveRefused as refused:
        raise FileRejected(refused.message) from refused
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        raise FileRejected(_l("The XLSX file cannot be read.")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRejected(_l("The XLSX file has no sheet."))
        sheet.reset_dimensions()
        rows = ([_cell_text(v) for v in row[:MAX_COLUMNS + 1]]
                for row in sheet.iter_rows(values_only=True))
        return _collect(_padded(rows), max_rows, None)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        if isinstance(exc, FileRejected):
            raise
        raise FileRejected(_l("The XLSX file cannot be read.")) from exc
    finally:
        workbook.close()


def _padded(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    """Rows as wide as the widest so far (a sheet read without its claimed dimension gives
    each row only the cells it has)."""
    width = 0
    for row in rows:
        width = max(width, len(row))
        yield row + [""] * (width - len(row))


def _collect(rows: Iterable[list[str]], max_rows: int, encoding: str | None) -> ParsedFile:
    iterator: Iterator[tuple[int, list[str]]] = enumerate(rows, start=1)
    number, headers = next(((n, r) for n, r in iterator if any(c.strip() for c in r)),
                           (0, None))
    if headers is None:
        raise FileRejected(_l("The file has no header row."))
    if len(headers) > MAX_COLUMNS:
        raise FileRejected(_l("The file has more than %(count)s columns.", count=MAX_COLUMNS))
    parsed = ParsedFile(headers=[h.strip() for h in headers], encoding=encoding)
    for number, cells in iterator:
        if number > max_rows + MAX_BLANK_ROWS:  # a row numbered 1,048,576 means a million
            raise FileRejected(_l("The file has more than %(count)s rows. Split it into "
                                  "several batches.", count=max_rows))
        if not any(c.strip() for c in cells):
            continue  # blank lines (and Excel's formatted-but-empty rows) are not rows
        if len(parsed.rows) >= max_rows:
            raise FileRejected(_l("The file has more than %(count)s rows. Split it into "
                                  "several batches.", count=max_rows))
        parsed.rows.append((number, [c[:MAX_CELL_CHARS] for c in cells]))
    if not parsed.rows:
        raise FileRejected(_l("The file has a header but no rows."))
    return parsed
