"""Provider regexps, applied the way the provider applies them, without trusting them.

The provider checks recipient fields with PHP's `preg_match`: the pattern is searched anywhere in
the value unless it anchors itself (`[0-9]{5,100}` accepts `ab12345`). We search the same way, but
with RE2, whose matching time is linear in the input, so a hostile or careless pattern cannot hang
a worker. RE2 refuses a few PCRE features (backreferences, lookarounds, possessive quantifiers):
such a field is then checked for required and length only, and the form says so.

The browser's `pattern` attribute always matches the whole value (as `^(?:…)$`, with the `v`
flag), so it is emitted only for patterns that anchor the whole value themselves and use a syntax
subset that both engines read alike. It is a convenience; the server is the guard.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

import re2

log = logging.getLogger(__name__)

MAX_FIELD_LENGTH = 256  # every recipient input is capped, whatever its pattern says
RE2_MAX_MEMORY = 2 << 20  # bytes RE2 may use for one compiled pattern

_OPTIONS = re2.Options()
_OPTIONS.max_mem = RE2_MAX_MEMORY
_OPTIONS.log_errors = False  # we log once ourselves, without RE2's stderr noise

_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
# Escapes the browser's `v`-flag syntax accepts, outside and inside a character class.
_SYNTAX = set("^$\\.*+?()[]{}|/")
_ESCAPES_OUTSIDE = set("dDwWsSbB") | _SYNTAX
_ESCAPES_IN_CLASS = set("dDwWsS") | _SYNTAX | set("-&!#%,:;<=>@`~")
_CLASS_ESCAPES_SETS = set("dDwWsS")  # \d etc. cannot be a range end
_CLASS_FORBIDDEN = set("()[{}/|")  # must be escaped inside a `v`-flag class
_DOUBLED_FORBIDDEN = set("&!#$%*+,.:;<=>?@^`~")  # `&&`, `--`… are operators in a `v` class


@dataclass(frozen=True)
class ProviderPattern:
    """A provider regexp, compiled (or not) once, with what the form needs to know about it."""

    source: str
    compiled: Any | None  # re2 pattern; None when RE2 could not compile it
    error: str | None  # why RE2 refused it
    whole_value: bool  # anchored at both ends with no top-level alternation
    html_pattern: str | None  # safe to put in the `pattern` attribute
    max_length: int  # the length cap for the field (MAX_FIELD_LENGTH or what the pattern implies)

    @property
    def checkable(self) -> bool:
        return self.compiled is not None

    def matches(self, value: str) -> bool:
        """`preg_match` semantics: True when the pattern is found anywhere in `value`.
        Call only when `checkable`."""
        assert self.compiled is not None
        return self.compiled.search(value) is not None


@functools.lru_cache(maxsize=2048)
def compile_provider_pattern(source: str) -> ProviderPattern:
    """Compile once per distinct pattern (so an uncompilable one is logged once)."""
    try:
        compiled = re2.compile(source, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        log.warning("Provider regexp %r cannot be compiled by RE2 (%s); "
                    "the field is checked for required and length only.", source, reason)
        return ProviderPattern(source, None, reason, False, None, MAX_FIELD_LENGTH)
    whole = anchors_whole_value(source)
    body = source[1:-1] if whole else ""
    if not (body and _browser_reads_alike(body)):
        return ProviderPattern(source, compiled, None, whole, None, MAX_FIELD_LENGTH)
    # Python's parser reads this shared subset as RE2 does, so its width bounds the value.
    cap = min(MAX_FIELD_LENGTH, _implied_max_length(body) or MAX_FIELD_LENGTH)
    return ProviderPattern(source, compiled, None, whole, body, cap)


def anchors_whole_value(pattern: str) -> bool:
    """`^…$` with the `$` unescaped and no `|` outside groups (`^a|b$` is `(^a)|(b$)`)."""
    if len(pattern) < 2 or not pattern.startswith("^") or not pattern.endswith("$"):
        return False
    trailing_backslashes = len(pattern[:-1]) - len(pattern[:-1].rstrip("\\"))
    if trailing_backslashes % 2:
        return False  # `\$` is a literal dollar, not an anchor
    return not _has_top_level_alternation(pattern)


def _has_top_level_alternation(pattern: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith("]", i + 1) or pattern.startswith("^]", i + 1):
                i += 2 if pattern[i + 1] == "]" else 3  # a leading `]` is a literal
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


def _browser_reads_alike(body: str) -> bool:
    """True when `body` uses only syntax that RE2 and a browser's `v`-flag regexp read alike:
    literals, `.`, `\\d \\w \\s` (and negations), plain classes and ranges, `(…)`, `(?:…)`,
    `* + ? {n,m}` quantifiers. Anything else (inline flags, `\\p`, POSIX classes…) is refused.
    One known nuance is accepted: a browser's `\\s` also takes Unicode spaces, RE2's only
    ASCII ones; the server's check still decides."""
    depth, i = 0, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES_OUTSIDE:
                return False
            i += 2
        elif char == "[":
            end = _class_end(body, i)
            if end < 0:
                return False
            i = end
        elif char == "(":
            if body.startswith("(?", i):
                if not body.startswith("(?:", i):
                    return False
                i += 2
            depth += 1
            i += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
            i += 1
        elif char == "{":
            quantifier = _QUANTIFIER.match(body, i)
            if quantifier is None:
                return False
            i = quantifier.end()
        elif char in "}]^$":
            return False
        else:
            i += 1
    return depth == 0


def _class_end(body: str, start: int) -> int:
    """Index after the `]` closing the class opened at `start`, or -1 if the class is not in
    the shared subset."""
    i = start + 1
    if body.startswith("^", i):
        i += 1
    first = i
    while i < len(body):
        if body[i] == "]":
            return i + 1 if i > first else -1
        atom_end, single = _class_atom(body, i)
        if atom_end < 0:
            return -1
        if body.startswith("-", atom_end):  # a range; both ends must be single characters
            range_end, single_end = _class_atom(body, atom_end + 1)
            if range_end < 0 or not single or not single_end:
                return -1
            atom_end = range_end
        i = atom_end
    return -1


def _class_atom(body: str, i: int) -> tuple[int, bool]:
    """(index after one class member at `i`, whether it is a single character) or (-1, False)."""
    if i >= len(body) or body[i] == "]":
        return -1, False
    char = body[i]
    if char == "\\":
        if i + 1 >= len(body) or body[i + 1] not in _ESCAPES_IN_CLASS:
            return -1, False
        return i + 2, body[i + 1] not in _CLASS_ESCAPES_SETS
    if char in _CLASS_FORBIDDEN or char == "-":
        return -1, False  # an unescaped `-` is only allowed as a range operator
    if char in _DOUBLED_FORBIDDEN and body.startswith(char, i + 1):
        return -1, False
    return i + 1, True


def _implied_max_length(body: str) -> int | None:
    """The longest value a whole-value pattern in the shared subset can match (None: no bound)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        _, longest = _parser.parse(body).getwidth()
    except Exception:  # any syntax Python reads otherwise: no implied cap
        return None
    if longest >= _parser.MAXREPEAT:
        return None
    return max(int(longest), 1)
