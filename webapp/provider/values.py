"""Tolerant readers for single JSON values the provider sends in more than one form.

Each returns None (or a safe default) instead of raising, so one odd value never sinks a whole
answer: amounts come as strings ("10.00", "0.01000000") or numbers, labels as dicts or plain
strings, regexps escaped twice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

# Bounds of a provider number. Money and rates: below 10^15 and at most 18 decimal places
# (`1e400000` or `1e-999999` are refused before anything computes with them: `int()` or
# `quantize` of such a Decimal runs for seconds or raises). Integers (positions, epochs,
# counts): at most 10^15 in size.
MAX_NUMBER_TEXT = 64
MAX_ADJUSTED_EXPONENT = 14
MIN_EXPONENT = -18
MAX_DIGITS = 34
MAX_INT = 10**15


class OutOfBounds(ValueError):
    """A value that is a number, but one no sane provider answer holds."""


def _bounded(number: Decimal, raw: Any) -> Decimal:
    if not number.is_finite():
        raise OutOfBounds(f"not a finite number: {str(raw)[:40]!r}")
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    if len(digits) > MAX_DIGITS or exponent < MIN_EXPONENT:
        raise OutOfBounds(f"too precise: {str(raw)[:40]!r}")
    if number and number.adjusted() > MAX_ADJUSTED_EXPONENT:
        raise OutOfBounds(f"too large: {str(raw)[:40]!r}")
    return number


def to_decimal(value: Any) -> Decimal | None:
    """Money as Decimal. Floats go through `str` (shortest round-trip text), never arithmetic.
    None when absent or not a number; `OutOfBounds` when a number beyond the bounds above."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return _bounded(value, value)
    if isinstance(value, int | float):
        if isinstance(value, int) and abs(value) >= 10 ** (MAX_ADJUSTED_EXPONENT + 1):
            raise OutOfBounds(f"too large: {value:.3g}")
        return _bounded(Decimal(str(value)), value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT:
            raise OutOfBounds(f"a number text of {len(text)} characters")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if number.is_nan() or number.is_infinite():
            return None  # "NaN", "Infinity": words, not amounts
        return _bounded(number, text)
    return None


def to_int(value: Any) -> int | None:
    """Integers such as epochs or positions, also when sent as "12" or 12.0; `OutOfBounds`
    beyond ±10^15."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise OutOfBounds(f"integer too large: {value:.3g}")
        return value
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    if abs(number) > MAX_INT:
        raise OutOfBounds(f"integer too large: {number:.3g}")
    return int(number)


def to_code(value: Any, max_length: int) -> str | None:
    """A code (status, resolution, id, service): `to_text`, and `OutOfBounds` when longer than
    the column that keeps it (a 300-character status is no status)."""
    text = to_text(value)
    if text is not None and len(text) > max_length:
        raise OutOfBounds(f"a code of {len(text)} characters: {text[:40]!r}")
    return text


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no"}:
        return False
    return None


def to_text(value: Any) -> str | None:
    """A non-empty string; numbers become their text; anything else is None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def to_texts(value: Any) -> dict[str, str]:
    """A per-language text: a dict keeps its string entries, a plain string becomes English."""
    if isinstance(value, str):
        return {"en": value} if value.strip() else {}
    if isinstance(value, dict):
        return {
            str(lang): text
            for lang, text in value.items()
            if isinstance(text, str) and text.strip()
        }
    return {}


def unescape_regexp(value: Any) -> str | None:
    r"""Undo the provider's second escaping once: `\\` becomes `\`, any other `\x` stays.

    The spec's JSON text `"^\\\\d{1,15}$"` decodes to `^\\d{1,15}$`; the pattern meant is
    `^\d{1,15}$`. A pattern that was escaped only once has no doubled backslash and is kept.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] == "\\":
            out.append("\\")
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def dig(data: Any, *path: str) -> Any:
    """`data[path[0]][path[1]]...`, or None as soon as a step is missing or not a dict."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
