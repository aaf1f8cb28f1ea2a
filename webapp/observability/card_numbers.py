"""Card numbers wherever text goes: 13-19 digits that pass the Luhn check, with any separators
people and URLs put between them (spaces, dashes, dots, `+`, `%20`, slashes, underscores).

`mask_cards` keeps the first six and last four digits (512381******0000) of each one found,
also inside a longer text (a description, a name, a log line).
"""

from __future__ import annotations

import re

_SEPARATOR = r"(?:[\s.\-+_/\\]|%20|%2[bB]|%2[dD]|%2[eE])"
# A digit, then 12-18 more, each after at most three separators; not inside a longer word.
_CANDIDATE = re.compile(rf"(?<![0-9A-Za-z])\d(?:{_SEPARATOR}{{0,3}}\d){{12,18}}(?![0-9A-Za-z])")
MIN_DIGITS, MAX_DIGITS = 13, 19


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_digits(digits: str) -> str:
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _card_window(digits: str, starts: list[int], ends: list[int]) -> tuple[int, int] | None:
    """The longest Luhn-valid run of 13-19 digits that starts and ends where a group of digits
    does (`4111 1111 1111 1111 12` holds a card; `5123810000000008` as one group does not
    hide one in its middle), as (start, end)."""
    windows = sorted(((end - start, start, end) for start in starts for end in ends
                      if MIN_DIGITS <= end - start <= MAX_DIGITS), reverse=True)
    for _length, start, end in windows:
        if luhn_ok(digits[start:end]):
            return start, end
    return None


def _digit_positions(text: str) -> list[int]:
    """Where the number's digits are, skipping the `20` of a `%20` and its kind."""
    positions, index = [], 0
    while index < len(text):
        if text[index] == "%":
            index += 3
            continue
        if text[index].isdigit():
            positions.append(index)
        index += 1
    return positions


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    positions = _digit_positions(text)
    digits = "".join(text[p] for p in positions)
    # Groups: digits that follow each other directly in the text.
    starts = [i for i in range(len(positions)) if i == 0 or positions[i] != positions[i - 1] + 1]
    ends = [i + 1 for i in range(len(positions))
            if i == len(positions) - 1 or positions[i + 1] != positions[i] + 1]
    window = _card_window(digits, starts, ends)
    if window is None:
        return text
    start, end = window
    before = text[:positions[start]]
    after = text[positions[end - 1] + 1:]
    return before + mask_digits(digits[start:end]) + after


def mask_cards(text: str) -> str:
    """`text` with every card number in it masked."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    return _CANDIDATE.sub(_mask_match, text)


def has_card(text: str | None) -> bool:
    return bool(text) and mask_cards(str(text)) != text


def mask_optional(text: str | None) -> str | None:
    return None if text is None else mask_cards(text)
