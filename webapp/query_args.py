"""Query-string integers, bounded: ids and page numbers fit the database's 32-bit INTEGER.

`int("9" * 400)` is a fine Python int and a 500 once it reaches SQLite (OverflowError) or
PostgreSQL (out of range); a page number that large overflows OFFSET. Anything outside
1..2^31-1 (or not digits at all) is treated as absent.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

DB_INT_MAX = 2**31 - 1
MAX_DIGITS = 10


def bounded_int(value: Any, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """`value` as an int within [minimum, maximum]; ValueError otherwise (WTForms' coerce
    turns that into a field error)."""
    text = str(value).strip()
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise ValueError(f"not a whole number: {text[:20]!r}")
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValueError(f"out of range: {number}")
    return number


def int_arg(name: str, default: int | None = None, *, minimum: int = 1,
            maximum: int = DB_INT_MAX) -> int | None:
    """The query parameter `name` as a bounded int, or `default` when absent or unusable."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return bounded_int(raw, minimum, maximum)
    except ValueError:
        return default


def refuse_nul_in_input() -> None:
    """A NUL character can reach no column (PostgreSQL refuses it in text: a DataError, a
    500) and nobody types one: a query string or a posted form field holding one is a 400."""
    fields = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(request.form)
    if any("\x00" in key or "\x00" in value
           for values in fields for key, value in values.items(multi=True)):
        abort(400)
