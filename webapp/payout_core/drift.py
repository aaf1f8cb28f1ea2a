"""Schema drift: saved recipient values (a recipient book entry, or the payout being copied)
against the service as the provider describes it *now*. A field added, removed or whose pattern
changed is reported, and a saved value the current pattern refuses is reported too: nothing
saved is ever sent under a schema it was not checked against."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from webapp.payout_core.patterns import compile_provider_pattern
from webapp.payout_core.secrets import mask_value
from webapp.provider.types import PayoutService, ServiceField


class Drift(enum.StrEnum):
    ADDED = "added"  # the provider asks for a field it did not ask for then
    REMOVED = "removed"  # a saved value the provider no longer asks for: not sent
    PATTERN_CHANGED = "pattern_changed"  # the format changed; the value may still fit
    INVALID = "invalid"  # the saved value does not fit the current format


@dataclass(frozen=True)
class FieldDrift:
    key: str
    kind: Drift
    masked_value: str | None = None  # for removed values: what is not sent, masked


def _fits(spec: ServiceField, value: str) -> bool:
    source = (spec.regexp or "").strip()
    if not source:
        return True
    compiled = compile_provider_pattern(source)
    return not compiled.checkable or compiled.matches(value)


def compare(saved: PayoutService, current: PayoutService,
            values: dict[str, str]) -> list[FieldDrift]:
    """What changed between the schema `values` were saved under and the current one."""
    before = {f.key: f for f in saved.fields}
    now = {f.key: f for f in current.fields}
    found: list[FieldDrift] = []
    for key, spec in now.items():
        old = before.get(key)
        value = values.get(key)
        if old is None:
            found.append(FieldDrift(key, Drift.ADDED))
        elif (old.regexp or "") != (spec.regexp or ""):
            found.append(FieldDrift(key, Drift.PATTERN_CHANGED))
        if value and not _fits(spec, value):
            found.append(FieldDrift(key, Drift.INVALID))
    for key, value in values.items():
        if key not in now:
            found.append(FieldDrift(key, Drift.REMOVED, _last_four(key, value)))
    return found


def _last_four(key: str, value: str) -> str:
    """A value that will not be sent is named by its last four characters only."""
    masked = mask_value(key, value)
    return "•••• " + masked[-4:] if len(masked) > 4 else "••••"


def current_values(current: PayoutService, values: dict[str, str]) -> dict[str, str]:
    """Only the values the current schema asks for (a removed field is never sent)."""
    keys = {f.key for f in current.fields}
    return {key: value for key, value in values.items() if key in keys}
