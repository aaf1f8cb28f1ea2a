"""One WTForms field per provider field: label and hint in the operator's language, validators
with the provider's regexp semantics, and input hints the browser can use.

Labels and hints are provider text: they stay plain strings and are escaped when rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

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


class ProviderRegexp:
    """PCRE `preg_match` semantics through RE2: the pattern must be found in the value."""

    def __init__(self, pattern: ProviderPattern) -> None:
        self.pattern = pattern

    def __call__(self, form: Any, field: Field) -> None:
        if field.data and not self.pattern.matches(field.data):
            raise ValidationError(_l("This value is not in the format the provider expects."))


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
    validators.append(Length(max=compiled.max_length if compiled else MAX_FIELD_LENGTH))
    render_kw = input_hints(spec.key, source)
    if compiled is not None and compiled.checkable:
        validators.append(ProviderRegexp(compiled))
        if compiled.html_pattern:
            render_kw["pattern"] = compiled.html_pattern
    label = spec.label_for(language)
    hint = spec.hint_for(language)
    name = FIELD_PREFIX + spec.key
    element_id = name if _SAFE_KEY.fullmatch(spec.key) else f"{FIELD_PREFIX}{index}"
    unbound = StringField(label, validators=validators, filters=[strip], id=element_id,
                          render_kw=render_kw)
    info = RecipientField(
        key=spec.key, name=name, label=label,
        hint="" if hint.strip() == label.strip() else hint,  # the spec repeats the label
        example=str(spec.example) if spec.example not in (None, "") else None,
        required=spec.required, pattern=source,
        pattern_error=compiled.error if compiled is not None else None,
    )
    return info, unbound
