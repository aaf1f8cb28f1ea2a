"""One WTForms field per provider field: label and hint in the operator's language, validators
with the provider's regexp semantics, and input hints the browser can use.

Labels and hints are provider text: they stay plain strings and are escaped when rendered.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Optional, StopValidation, ValidationError

from webapp.payout_core.pattern_shape import admits
from webapp.payout_core.pattern_words import describe_pattern
from webapp.payout_core.patterns import MAX_FIELD_LENGTH, ProviderPattern, compile_provider_pattern
from webapp.provider.types import ServiceField

FIELD_PREFIX = "field__"  # our names never clash with the provider's keys
_SAFE_KEY = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_DIGITS_ONLY = re.compile(r"\^?(?:\\d|\[0-9\])(?:\{[0-9,]+\}|[+*])?\$?")


@dataclass(frozen=True)
class RecipientField:
    """What the template and the submit handler need to know about one provider field."""

    key: str  # the provider's key, sent back as-is in `fields`
    name: str  # our form field name: FIELD_PREFIX + key
    label: str
    hint: str
    example: str | None
    required: bool
    pattern: str | None  # the provider's regexp, as applied
    pattern_error: str | None  # why RE2 refused it (the field is then not pattern-checked)
    format_text: str | None = None  # the pattern in words (or a plain "too complex")
    tidy: Tidy | None = None  # what we change in a typed value, always shown


@dataclass(frozen=True)
class Tidy:
    """The only changes made to a typed value: ones that cannot change its meaning, because the
    pattern admits neither spaces nor dashes, or admits capital letters only."""

    remove_separators: bool
    upper_case: bool

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if self.remove_separators:
            value = _SEPARATORS.sub("", value)
        if self.upper_case:
            value = value.translate(_UPPER)
        return value

    def note(self) -> str:
        if self.remove_separators and self.upper_case:
            return _("Spaces and dashes are removed and letters turned into capitals; "
                     "you will see the result before confirming.")
        if self.remove_separators:
            return _("Spaces and dashes are removed; you will see the result before "
                     "confirming.")
        return _("Letters are turned into capitals; you will see the result before confirming.")


_SEPARATORS = re.compile(r"[\s\-\u2010\u2011]+")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER_SAMPLES = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґé"


def tidy_for(compiled: ProviderPattern | None) -> Tidy | None:
    """Which harmless tidying `compiled` allows (None: none). Only whole-value patterns: an
    unanchored one admits anything around the part it looks for."""
    if compiled is None or not compiled.checkable or not compiled.whole_value:
        return None
    return _tidy_for_source(compiled.source)


@functools.lru_cache(maxsize=1024)
def _tidy_for_source(source: str) -> Tidy | None:
    """`tidy_for` by pattern text: each form build asks again for the same few patterns."""
    separators = not any(admits(source, ch) for ch in " \t-\u2010\u2011")
    upper = (not any(admits(source, ch) for ch in _LOWER_SAMPLES)
             and any(admits(source, ch) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if not (separators or upper):
        return None
    return Tidy(separators, upper)


class TextLength:
    """A length cap explained like any other rule. Unlike WTForms' `Length` it sets no
    `maxlength` flag: a browser cuts typed and pasted text at `maxlength` without a word."""

    def __init__(self, most: int, least: int = 0) -> None:
        self.most = most
        self.least = least

    def __call__(self, form: Any, field: Field) -> None:
        count = len(field.data or "")
        if count > self.most:
            raise StopValidation(ngettext(
                "Too long: %(num)d character, at most %(most)d allowed.",
                "Too long: %(num)d characters, at most %(most)d allowed.", count,
                most=self.most))
        if 0 < count < self.least:
            raise StopValidation(ngettext(
                "Too short: %(num)d character, at least %(least)d needed.",
                "Too short: %(num)d characters, at least %(least)d needed.", count,
                least=self.least))


class ProviderRegexp:
    """PCRE `preg_match` semantics through RE2: the pattern must be found in the value."""

    def __init__(self, pattern: ProviderPattern, words: str) -> None:
        self.pattern = pattern
        self.words = words

    def __call__(self, form: Any, field: Field) -> None:
        if field.data and not self.pattern.matches(field.data):
            raise ValidationError(_("Not in the format the provider expects: %(format)s.",
                                    format=self.words))


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def input_hints(key: str, pattern: str | None) -> dict[str, str]:
    """Keyboard and autofill hints obvious from the key. Autofill stays off: the data belongs
    to the recipient, and the browser would offer the operator's own card, phone or email."""
    lowered = key.lower()
    hints = {"autocomplete": "off", "spellcheck": "false"}
    if "iban" in lowered or "swift" in lowered or lowered in {"bic", "bank_bic"}:
        hints["autocapitalize"] = "characters"
    elif "card" in lowered or lowered in {"pan", "card_number"}:
        hints["inputmode"] = "numeric"
    elif "email" in lowered or lowered.endswith("mail"):
        hints["inputmode"] = "email"
    elif any(word in lowered for word in ("phone", "msisdn", "mobile")) or lowered == "tel":
        hints["inputmode"] = "tel"
    elif pattern and _DIGITS_ONLY.fullmatch(pattern):
        hints["inputmode"] = "numeric"
    return hints


def recipient_field(
    spec: ServiceField, language: str, index: int
) -> tuple[RecipientField, Any]:
    """(what we know about the field, an unbound WTForms field for the form class)."""
    source = (spec.regexp or "").strip() or None
    compiled = compile_provider_pattern(source) if source else None
    validators: list[Any] = [DataRequired() if spec.required else Optional()]
    validators.append(TextLength(compiled.max_length if compiled else MAX_FIELD_LENGTH))
    render_kw = input_hints(spec.key, source)
    tidy = tidy_for(compiled)
    words = describe_pattern(source).text if source else None
    if compiled is not None and compiled.checkable:
        validators.append(ProviderRegexp(compiled, words or ""))
        if compiled.html_pattern and tidy is None:
            render_kw["pattern"] = compiled.html_pattern
    label = spec.label_for(language)
    hint = spec.hint_for(language)
    name = FIELD_PREFIX + spec.key
    element_id = name if _SAFE_KEY.fullmatch(spec.key) else f"{FIELD_PREFIX}{index}"
    filters: list[Any] = [strip] if tidy is None else [strip, tidy]
    unbound = StringField(label, validators=validators, filters=filters, id=element_id,
                          render_kw=render_kw)
    info = RecipientField(
        key=spec.key, name=name, label=label,
        hint="" if hint.strip() == label.strip() else hint,  # the spec repeats the label
        example=str(spec.example) if spec.example not in (None, "") else None,
        required=spec.required, pattern=source,
        pattern_error=compiled.error if compiled is not None else None,
        format_text=words, tidy=tidy,
    )
    return info, unbound
