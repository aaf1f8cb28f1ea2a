"""Provider regexps: PCRE preg_match semantics through RE2, the browser `pattern` attribute
only where it means the same, the length cap, and a safe fallback for what RE2 refuses."""

from __future__ import annotations

import logging

import pytest

from webapp.payout_core.patterns import (
    MAX_FIELD_LENGTH,
    anchors_whole_value,
    compile_provider_pattern,
)

# (pattern as the provider means it, value, matches?)
SEARCH_CASES = [
    (r"^\d{1,15}$", "123456789012345", True),
    (r"^\d{1,15}$", "1234567890123456", False),
    (r"^\d{1,15}$", "12a", False),
    (r"^\d{1,15}$", "", False),
    (r"^[A-Z\-\sa-z]{2,64}$", "processed", True),
    (r"^[A-Z\-\sa-z]{2,64}$", "Process failed - soon", True),
    (r"^[A-Z\-\sa-z]{2,64}$", "x", False),
    (r"^[A-Z\-\sa-z]{2,64}$", "processed!", False),
    # Unanchored: found anywhere, as preg_match does.
    (r"[0-9]{5,100}", "ab12345", True),
    (r"[0-9]{5,100}", "12345cd", True),
    (r"[0-9]{5,100}", "1234", False),
    (r"\d{12,19}", "card 4111111111111111 ok", True),
    (r"\+\d{1,15}", "wallet +123", True),
    (r"\+\d{1,15}", "123", False),
    (r"[A-z,a-z,0-9]{2,100}", "__", True),  # A-z spans [\]^_` too, as in PCRE
    # Top-level alternation binds looser than the anchors.
    (r"^a|b$", "axxxx", True),
    (r"^a|b$", "xxxxb", True),
    (r"^a|b$", "xxbxx", False),
    (r"^(beeline|kcell)$", "kcell", True),
    (r"^(beeline|kcell)$", "kcell2", False),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), SEARCH_CASES)
def test_preg_match_semantics(pattern: str, value: str, expected: bool) -> None:
    compiled = compile_provider_pattern(pattern)
    assert compiled.checkable
    assert compiled.matches(value) is expected


@pytest.mark.parametrize(("pattern", "whole"), [
    (r"^\d{1,15}$", True),
    (r"\d{1,15}", False),
    (r"^\d{1,15}", False),
    (r"\d{1,15}$", False),
    (r"^a|b$", False),
    (r"^(a|b)$", True),
    (r"^[|]$", True),  # a `|` inside a class is a literal
    (r"^\d+\$", False),  # an escaped dollar is not an anchor
    (r"^\d+\\$", True),  # an escaped backslash, then the anchor
    (r"^$", True),
])
def test_anchors_whole_value(pattern: str, whole: bool) -> None:
    assert anchors_whole_value(pattern) is whole


@pytest.mark.parametrize(("pattern", "html"), [
    (r"^\d{1,15}$", r"\d{1,15}"),
    (r"^[A-Z\-\sa-z]{2,64}$", r"[A-Z\-\sa-z]{2,64}"),
    (r"^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,62}$", r"(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,62}"),
    (r"^\+7\d{10}$", r"\+7\d{10}"),
    (r"^(?:a|b)c$", r"(?:a|b)c"),
    # Not anchored: the browser would anchor it, changing its meaning.
    (r"[0-9]{5,100}", None),
    (r"\d{12,19}", None),
    (r"^a|b$", None),
    # Syntax a browser's `v`-flag regexp reads differently or rejects.
    (r"^[a-z-]+$", None),  # a lone `-` in a class
    (r"^[a--z]+$", None),
    (r"^(?i)abc$", None),  # inline flags
    (r"^\pL{2,5}$", None),  # RE2's one-letter property syntax
    (r"^[[:alpha:]]{2}$", None),  # POSIX class
    (r"^a{,3}$", None),  # RE2 reads it as a literal
    (r"^[/]{2}$", None),
    (r"^\A\d$", None),
    (r"^[]a]$", None),
    (r"^$", None),
])
def test_html_pattern_only_when_it_means_the_same(pattern: str, html: str | None) -> None:
    assert compile_provider_pattern(pattern).html_pattern == html


@pytest.mark.parametrize(("pattern", "cap"), [
    (r"^\d{1,15}$", 15),
    (r"^[A-Z\-\sa-z]{2,64}$", 64),
    (r"^\d{16}$", 16),
    (r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", 11),
    (r"^\d+$", MAX_FIELD_LENGTH),
    (r"^.{2,1000}$", MAX_FIELD_LENGTH),
    (r"\d{1,15}", MAX_FIELD_LENGTH),  # unanchored: anything may surround the match
    (r"^(?i)abc$", MAX_FIELD_LENGTH),  # outside the shared subset: no implied cap
])
def test_length_cap(pattern: str, cap: int) -> None:
    assert compile_provider_pattern(pattern).max_length == cap


@pytest.mark.parametrize("pattern", [
    r"(a)\1",  # backreference
    r"^(?=.*\d)\w{8}$",  # lookahead
    r"(?<!x)y",  # lookbehind
    r"\d++",  # possessive
    r"[",  # broken
    r"\d{1,5000}",  # repetition beyond RE2's limit
])
def test_patterns_re2_refuses_fall_back(pattern: str, caplog: pytest.LogCaptureFixture) -> None:
    compile_provider_pattern.cache_clear()
    with caplog.at_level(logging.WARNING, logger="webapp.payout_core.patterns"):
        compiled = compile_provider_pattern(pattern)
        again = compile_provider_pattern(pattern)
    assert not compiled.checkable
    assert compiled.error
    assert compiled.html_pattern is None
    assert compiled.max_length == MAX_FIELD_LENGTH
    assert again is compiled
    warnings = [r for r in caplog.records if r.args and r.args[0] == pattern]
    assert len(warnings) == 1  # logged once, not per request


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    # Exponential for a backtracking engine (2**5000 paths: it would never return); RE2
    # answers at once.
    compiled = compile_provider_pattern(r"^(a+)+$")
    value = "a" * 5000 + "!"
    assert not compiled.matches(value)


def test_unicode_values_are_matched_as_characters() -> None:
    compiled = compile_provider_pattern(r"^.{2,5}$")
    assert compiled.matches("Олена")
    assert not compiled.matches("Олександра")
