"""Where to go after signing in: only a path on this site, whatever the link was dressed in.

Browsers drop tabs and newlines inside URLs and read `\\` as `/`, so `/\t/evil.example` and
`/\\evil.example` mean `//evil.example`, another site. A target is checked after undoing
percent-encoding (repeatedly, for double encoding); anything doubtful goes to the dashboard.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import url_for

MAX_NEXT_CHARS = 2048
_DECODE_ROUNDS = 4


def _forms_of(target: str) -> list[str]:
    """`target` and each percent-decoded form of it, until decoding changes nothing."""
    forms = [target]
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _looks_local(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//"):
        return False
    if "\\" in text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def is_same_site_path(target: str | None) -> bool:
    if not target or len(target) > MAX_NEXT_CHARS:
        return False
    return all(_looks_local(form) for form in _forms_of(target))


def safe_next(target: object) -> str:
    """`target` when it is a path on this site, else the dashboard. Never raises."""
    if isinstance(target, str) and is_same_site_path(target):
        return target
    return url_for("main.dashboard")
