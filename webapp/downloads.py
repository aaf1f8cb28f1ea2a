"""File downloads: one way to answer with an attachment that no cache keeps, and what every
spreadsheet the desk writes shares: the formula guard and the reader's CSV convention."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response
from flask_babel import get_locale

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """Text a spreadsheet would read as a formula (=, +, -, @ …) is prefixed with a quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_convention() -> tuple[str, str]:
    """(field separator, decimal sign) for the reader's locale, as their spreadsheet reads CSV:
    where the decimal sign is a comma (ru, uk) fields are separated by ";"."""
    locale = get_locale()
    symbols = locale.number_symbols if locale is not None else {}
    decimal_sign = (symbols.get("latn") or symbols).get("decimal", ".")
    return (";" if decimal_sign == "," else ","), decimal_sign


def csv_chunks(headers: list[str], rows: Iterable[list[Any]], separator: str = ",",
               rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text a few hundred rows at a time, headers guarded; a BOM first so that Excel reads
    it as UTF-8. The rows come already guarded (only their producer knows which are text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    buffer.write("\ufeff")
    writer.writerow([guard(h) for h in headers])
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def attachment(body: bytes | Iterable[str] | Iterable[bytes], mimetype: str,
               filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
