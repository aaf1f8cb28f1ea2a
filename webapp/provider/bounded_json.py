"""JSON from outside (provider answers, callbacks) read with bounds: size, nesting depth and
numbers. Python's parser recurses per nesting level (a deep document is a RecursionError, a
500) and turns a 5,000-digit integer into a ValueError; both become a `JSONTooHostile`.

Numbers stay JSON-friendly (the raw answer is stored in JSON columns): an integer longer than
`MAX_INT_DIGITS` becomes a float (infinite when huge), which the readers in `values.py` refuse
as out of bounds, so the answer stays readable and only that value is refused.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
MAX_INT_DIGITS = 20
MAX_BYTES = 8 * 1024 * 1024


class JSONTooHostile(ValueError):
    """Not JSON, or JSON beyond our bounds."""


def _number_int(text: str) -> int | float:
    digits = text.lstrip("-")
    return int(text) if len(digits) <= MAX_INT_DIGITS else float(text)


def _depth_ok(value: Any, max_depth: int) -> bool:
    """Iterative walk (no recursion of our own): False as soon as a branch is too deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return False
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return True


def _cheap_depth_ok(text: str, max_depth: int) -> bool:
    """A document cannot nest deeper than its count of opening brackets; only when that count
    is high is the real depth measured after parsing (or the parser's recursion refused)."""
    return text.count("[") + text.count("{") <= max_depth


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Parse `raw`; raises `JSONTooHostile` when it is not JSON or exceeds the bounds."""
    if len(raw) > max_bytes:
        raise JSONTooHostile(f"the body is larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_int=_number_int)
    except RecursionError as exc:
        raise JSONTooHostile(f"nested deeper than {max_depth} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise JSONTooHostile(f"not JSON: {exc}"[:200]) from exc
    if not _cheap_depth_ok(text, max_depth) and not _depth_ok(value, max_depth):
        raise JSONTooHostile(f"nested deeper than {max_depth} levels")
    return value
