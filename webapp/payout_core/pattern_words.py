"""A provider pattern in the operator's words: "16 digits", "2 to 64 characters: Latin letters,
spaces, hyphens", "starts with “+7”, then 10 digits".

Every phrase is a whole translatable sentence fragment with its own plural forms, because
Russian and Ukrainian decline the noun differently after "16", "up to 16" and "at least 16".
Call inside a request (or `force_locale`): the words are in the current locale.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.payout_core.pattern_shape import (
    CharClass,
    Choice,
    Literal,
    Optional,
    Part,
    Run,
    Shape,
    shape_of,
)

SHOWN_PATTERN = 120  # a longer pattern is cut when quoted; it still validates in full


@dataclass(frozen=True)
class PatternWords:
    text: str  # the description, or a plain "too complex" sentence
    described: bool


def describe_pattern(pattern: str) -> PatternWords:
    shape = shape_of(pattern)
    if shape is None:
        shown = pattern if len(pattern) <= SHOWN_PATTERN else pattern[:SHOWN_PATTERN] + "…"
        return PatternWords(_("a format too complex to describe in words (the provider's "
                              "pattern is %(pattern)s)", pattern=shown), False)
    return PatternWords(_describe_shape(shape), True)


def _describe_shape(shape: Shape) -> str:
    phrases = [_describe_part(part) for part in shape.parts]
    first = shape.parts[0]
    if shape.whole_value and len(phrases) > 1 and isinstance(first, Choice):
        phrases[0] = _("starts with one of %(options)s",
                       options=", ".join(_quote(o) for o in first.options))
    elif shape.whole_value and len(phrases) > 1 and isinstance(first, Literal):
        phrases[0] = _("starts with %(text)s", text=phrases[0])
    text = _("; then ").join(phrases)
    if not shape.whole_value:
        return _("anywhere in the value: %(shape)s", shape=text)
    return text


def _describe_part(part: Part) -> str:
    if isinstance(part, Literal):
        return _quote(part.text)
    if isinstance(part, Choice):
        return _("one of %(options)s", options=", ".join(_quote(o) for o in part.options))
    if isinstance(part, Optional):
        inner = ", ".join(_describe_part(p) for p in part.parts)
        return _("optionally %(part)s", part=inner)
    return _describe_run(part)


def _quote(text: str) -> str:
    return _("“%(text)s”", text=text)


def _noun(chars: CharClass) -> str:
    if chars.anything or chars.negated or chars.singles or chars.ranges or chars.spaces:
        return "character"
    kinds = (chars.digits, chars.upper, chars.lower)
    return {(True, False, False): "digit", (False, True, False): "upper",
            (False, False, True): "lower", (False, True, True): "letter"}.get(kinds, "character")


def _describe_run(run: Run) -> str:
    noun = _noun(run.chars)
    counted = _count(noun, run.least, run.most)
    if noun != "character" or run.chars.anything:
        return counted
    if run.chars.negated:
        return _("%(count)s except %(chars)s", count=counted, chars=_class_list(run.chars))
    return _("%(count)s: %(chars)s", count=counted, chars=_class_list(run.chars))


def _class_list(chars: CharClass) -> str:
    names = []
    if chars.upper and chars.lower:
        names.append(_("Latin letters"))
    elif chars.upper:
        names.append(_("capital Latin letters"))
    elif chars.lower:
        names.append(_("small Latin letters"))
    if chars.digits:
        names.append(_("digits"))
    if chars.spaces:
        names.append(_("spaces"))
    for single in chars.singles:
        names.append(_("hyphens") if single == "-" else _quote(single))
    for low, high in chars.ranges:
        names.append(_("%(low)s to %(high)s", low=_quote(low), high=_quote(high)))
    return ", ".join(names)


def _count(noun: str, least: int, most: int | None) -> str:
    """`least`..`most` of `noun`, declined for the number that governs it."""
    if most is not None and least == most:
        return _EXACT[noun](most)
    if most is not None and least == 0:
        return _UP_TO[noun](most)
    if most is not None:
        return _RANGE[noun](least, most)
    if least <= 1:
        return _ANY[noun](least)
    return _AT_LEAST[noun](least)


# One literal call per (shape, noun), so that extraction sees every phrase.
_EXACT = {
    "digit": lambda n: ngettext("%(num)d digit", "%(num)d digits", n),
    "upper": lambda n: ngettext("%(num)d capital Latin letter", "%(num)d capital Latin letters",
                                n),
    "lower": lambda n: ngettext("%(num)d small Latin letter", "%(num)d small Latin letters", n),
    "letter": lambda n: ngettext("%(num)d Latin letter", "%(num)d Latin letters", n),
    "character": lambda n: ngettext("%(num)d character", "%(num)d characters", n),
}
_UP_TO = {
    "digit": lambda n: ngettext("up to %(num)d digit", "up to %(num)d digits", n),
    "upper": lambda n: ngettext("up to %(num)d capital Latin letter",
                                "up to %(num)d capital Latin letters", n),
    "lower": lambda n: ngettext("up to %(num)d small Latin letter",
                                "up to %(num)d small Latin letters", n),
    "letter": lambda n: ngettext("up to %(num)d Latin letter", "up to %(num)d Latin letters", n),
    "character": lambda n: ngettext("up to %(num)d character", "up to %(num)d characters", n),
}
_RANGE = {
    "digit": lambda a, n: ngettext("%(low)d to %(num)d digit", "%(low)d to %(num)d digits", n,
                                   low=a),
    "upper": lambda a, n: ngettext("%(low)d to %(num)d capital Latin letter",
                                   "%(low)d to %(num)d capital Latin letters", n, low=a),
    "lower": lambda a, n: ngettext("%(low)d to %(num)d small Latin letter",
                                   "%(low)d to %(num)d small Latin letters", n, low=a),
    "letter": lambda a, n: ngettext("%(low)d to %(num)d Latin letter",
                                    "%(low)d to %(num)d Latin letters", n, low=a),
    "character": lambda a, n: ngettext("%(low)d to %(num)d character",
                                       "%(low)d to %(num)d characters", n, low=a),
}
_AT_LEAST = {
    "digit": lambda n: ngettext("at least %(num)d digit", "at least %(num)d digits", n),
    "upper": lambda n: ngettext("at least %(num)d capital Latin letter",
                                "at least %(num)d capital Latin letters", n),
    "lower": lambda n: ngettext("at least %(num)d small Latin letter",
                                "at least %(num)d small Latin letters", n),
    "letter": lambda n: ngettext("at least %(num)d Latin letter",
                                 "at least %(num)d Latin letters", n),
    "character": lambda n: ngettext("at least %(num)d character",
                                    "at least %(num)d characters", n),
}
_ANY = {  # 0 or 1 as the minimum: "any number of" / "one or more"
    "digit": lambda n: _("one or more digits") if n else _("any number of digits"),
    "upper": lambda n: (_("one or more capital Latin letters") if n
                        else _("any number of capital Latin letters")),
    "lower": lambda n: (_("one or more small Latin letters") if n
                        else _("any number of small Latin letters")),
    "letter": lambda n: (_("one or more Latin letters") if n
                         else _("any number of Latin letters")),
    "character": lambda n: (_("one or more characters") if n
                            else _("any number of characters")),
}
