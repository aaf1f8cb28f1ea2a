"""Tolerant readers for single JSON values the provider sends in more than one form.

Each returns None (or a safe default) instead of raising, so one odd value never sinks a whole
answer: amounts come as strings ("10.00", "0.01000000") or numbers, labels as dicts or plain
strings, regexps escaped twice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal | None:
    """Money as Decimal. Floats go through `str` (shortest round-trip text), never arithmetic."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str) and value.strip():
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def to_int(value: Any) -> int | None:
    """Integers such as epochs or positions, also when sent as "12" or 12.0."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


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
