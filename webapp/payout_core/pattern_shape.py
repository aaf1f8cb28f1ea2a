"""What a provider regexp asks for, as a short list of parts a person can read.

Provider patterns are mostly a few runs of a character class (`^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$`),
a fixed prefix (`^\\+7\\d{10}$`), an optional tail or a choice of words. `shape_of` turns those
into `Run`, `Literal`, `Choice` and `Optional` parts; anything else is `None` ("too complex"), and
the field is still validated by the pattern itself (see `patterns.py`). The same parse answers
whether a pattern admits a character at all, which decides the only tidying we allow.

Python's parser is used for reading only; matching is always RE2's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

MAX_PARTS = 6  # more than this reads worse than the pattern itself


@dataclass(frozen=True)
class CharClass:
    """A set of characters: named groups, extra single characters, extra ranges."""

    digits: bool = False
    upper: bool = False  # A-Z
    lower: bool = False  # a-z
    spaces: bool = False
    singles: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False  # every character except the ones above
    anything: bool = False  # `.`


@dataclass(frozen=True)
class Run:
    chars: CharClass
    least: int
    most: int | None  # None: no upper bound


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]


@dataclass(frozen=True)
class Optional:
    parts: tuple[Part, ...]


Part = Run | Literal | Choice | Optional


@dataclass(frozen=True)
class Shape:
    parts: tuple[Part, ...]
    whole_value: bool  # anchored at both ends; otherwise found anywhere in the value


class Complex(Exception):
    """The pattern uses something we do not put into words."""


@functools.lru_cache(maxsize=1024)
def shape_of(pattern: str) -> Shape | None:
    """The readable shape of `pattern`, or None when it is too complex to describe."""
    try:
        items = list(_parser.parse(pattern))
    except Exception:
        return None
    starts = bool(items) and items[0] == (c.AT, c.AT_BEGINNING)
    ends = bool(items) and items[-1][0] is c.AT and items[-1][1] in (c.AT_END,)
    if starts != ends:
        return None
    body = items[1:-1] if starts else items
    try:
        parts = _parts(body)
    except Complex:
        return None
    if not parts or len(parts) > MAX_PARTS:
        return None
    return Shape(tuple(parts), whole_value=starts)


def _parts(items: list[tuple[Any, Any]]) -> list[Part]:
    parts: list[Part] = []
    for op, av in items:
        part = _part(op, av)
        if isinstance(part, Literal) and parts and isinstance(parts[-1], Literal):
            parts[-1] = Literal(parts[-1].text + part.text)
        else:
            parts.append(part)
    return parts


def _part(op: Any, av: Any) -> Part:
    if op is c.LITERAL:
        return Literal(chr(av))
    if op is c.SUBPATTERN:
        inner = _parts(list(av[-1]))
        if len(inner) != 1:
            raise Complex
        return inner[0]
    if op is c.BRANCH:
        return Choice(tuple(o for branch in av[1] for o in _options(list(branch))))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        least, most, sub = av
        most = None if most >= c.MAXREPEAT else int(most)
        sub_items = list(sub)
        if least == 0 and most == 1:
            return Optional(tuple(_parts(sub_items)))
        if len(sub_items) != 1:
            raise Complex
        return Run(_char_class(*sub_items[0]), int(least), most)
    if op in (c.IN, c.ANY, c.NOT_LITERAL):
        chars = _char_class(op, av)
        if op is c.IN and not chars.negated and not _named(chars) and not chars.ranges:
            return Choice(chars.singles) if len(chars.singles) > 1 else Literal(chars.singles[0])
        return Run(chars, 1, 1)
    raise Complex


def _options(items: list[tuple[Any, Any]]) -> tuple[str, ...]:
    """One alternative of a choice: fixed text, or a class of single characters (`[13]`)."""
    if len(items) == 1 and items[0][0] is c.IN:
        chars = _char_class(*items[0])
        if chars.negated or _named(chars) or chars.ranges:
            raise Complex
        return chars.singles
    text = ""
    for op, av in items:
        if op is not c.LITERAL:
            raise Complex
        text += chr(av)
    return (text,)


def _named(chars: CharClass) -> bool:
    return chars.digits or chars.upper or chars.lower or chars.spaces


_CATEGORIES = {c.CATEGORY_DIGIT: "digits", c.CATEGORY_SPACE: "spaces"}


def _char_class(op: Any, av: Any) -> CharClass:
    if op is c.ANY:
        return CharClass(anything=True)
    if op is c.LITERAL:
        return CharClass(singles=(chr(av),))
    if op is c.NOT_LITERAL:
        return CharClass(singles=(chr(av),), negated=True)
    if op is not c.IN:
        raise Complex
    flags = {"digits": False, "upper": False, "lower": False, "spaces": False}
    singles: list[str] = []
    ranges: list[tuple[str, str]] = []
    negated = False
    for item_op, item_av in av:
        if item_op is c.NEGATE:
            negated = True
        elif item_op is c.LITERAL:
            singles.append(chr(item_av))
        elif item_op is c.CATEGORY and item_av in _CATEGORIES:
            flags[_CATEGORIES[item_av]] = True
        elif item_op is c.RANGE:
            low, high = chr(item_av[0]), chr(item_av[1])
            named = {("0", "9"): "digits", ("A", "Z"): "upper", ("a", "z"): "lower"}
            if (low, high) in named:
                flags[named[(low, high)]] = True
            else:
                ranges.append((low, high))
        else:
            raise Complex
    if " " in singles:
        singles.remove(" ")
        flags["spaces"] = True
    return CharClass(singles=tuple(dict.fromkeys(singles)), ranges=tuple(ranges),
                     negated=negated, **flags)


def admits(pattern: str, char: str) -> bool:
    """Whether any part of `pattern` could match `char`. Unsure means True (so no tidying)."""
    items = _parsed(pattern)
    return True if items is None else _items_admit(items, char)


@functools.lru_cache(maxsize=1024)
def _parsed(pattern: str) -> list[tuple[Any, Any]] | None:
    """The parse of `pattern` (None if Python's parser refuses it), once per pattern: a form
    asks about a hundred characters of each of its patterns (the create profile showed the
    re-parsing as a fifth of a create)."""
    try:
        return list(_parser.parse(pattern))
    except Exception:
        return None


def _items_admit(items: list[tuple[Any, Any]], char: str) -> bool:
    for op, av in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            found = chr(av) == char
        elif op is c.SUBPATTERN:
            found = _items_admit(list(av[-1]), char)
        elif op is c.BRANCH:
            found = any(_items_admit(list(b), char) for b in av[1])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            found = _items_admit(list(av[2]), char)
        elif op in (c.IN, c.ANY, c.NOT_LITERAL):
            try:
                found = _class_admits(_char_class(op, av), char)
            except Complex:
                return True
        else:
            return True
        if found:
            return True
    return False


def _class_admits(chars: CharClass, char: str) -> bool:
    if chars.anything:
        return char != "\n"
    inside = (
        (chars.digits and char.isdigit())
        or (chars.upper and "A" <= char <= "Z")
        or (chars.lower and "a" <= char <= "z")
        or (chars.spaces and char.isspace())
        or char in chars.singles
        or any(low <= char <= high for low, high in chars.ranges)
    )
    return inside != chars.negated
