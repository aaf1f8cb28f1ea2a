"""What strangers send: Hypothesis strategies for hostile form values and bodies, and the field
names our forms use (read from the forms and templates, so new forms are fuzzed too)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

# Markup that must never come back unescaped.
MARKUP = [
    '<script>alert("fz")</script>',
    '<img src=x onerror=alert("fz")>',
    '"><svg onload=alert("fz")>',
    "<iframe src=javascript:alert('fz')>",
]
SQL = ["' OR '1'='1", "1; DROP TABLE users; --", "' UNION SELECT password_hash FROM users --",
       "\\'; --", "%' AND 1=1 --"]
ODD = ["", " ", "0", "-1", "1e309", "NaN", "Infinity", "0x10", "9" * 40, "10.001", "-0.00",
       "true", "null", "[]", "{}", "../../etc/passwd", "%00", "\u202e", "\ufeff", "\U0001f4b8",
       "a\r\nSet-Cookie: x=1", "USD", "test_usd", "awaiting_approval", "approve", "reject",
       "00000000-0000-0000-0000-000000000000"]


def _field_names() -> list[str]:
    names: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([A-Za-z_][\w\-]*)"', path.read_text(encoding="utf-8")))
    field_def = re.compile(r"^\s+(\w+) = \w*(?:Field|Select\w*)\(", re.MULTILINE)
    for path in (ROOT / "webapp").rglob("*.py"):
        names.update(field_def.findall(path.read_text(encoding="utf-8")))
    names.update({"csrf_token", "field__account", "field__card_number", "fingerprint", "code",
                  "next", "language", "payout", "action", "reason"})
    return sorted(names)


FIELD_NAMES = _field_names()

huge = st.builds(lambda chunk, times: chunk * times,
                 st.sampled_from(["A", "<", "\u00e9", "9", "' OR 1=1 ", MARKUP[0]]),
                 st.integers(min_value=1_000, max_value=40_000))
control = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20)
value = st.one_of(
    st.sampled_from(MARKUP), st.sampled_from(SQL), st.sampled_from(ODD), huge, control,
    st.text(max_size=60), st.integers().map(str), st.decimals(allow_nan=True).map(str),
)
form_data = st.dictionaries(
    keys=st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12)),
    values=st.lists(value, min_size=1, max_size=3),  # repeated keys: a list where one is due
    max_size=10,
)
# Bodies that are not a well-formed form at all: invalid UTF-8, raw bytes, JSON.
invalid_utf8 = st.builds(
    lambda name, raw: f"{name}=".encode() + quote_from_bytes(raw).encode(),
    st.sampled_from(FIELD_NAMES), st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80",
                                                  b"\xf8\x88\x80\x80\x80", b"ok\x80"]),
)
raw_body = st.one_of(
    invalid_utf8.map(lambda b: (b, "application/x-www-form-urlencoded")),
    st.binary(max_size=2_000).map(lambda b: (b, "application/x-www-form-urlencoded")),
    st.binary(max_size=2_000).map(lambda b: (b, "application/octet-stream")),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                 lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
    .map(lambda j: (json.dumps(j).encode(), "application/json")),
    st.sampled_from([(b'{"data": ', "application/json"), (b"\xff\xff", "application/json"),
                     (b"<?xml version='1.0'?><a/>", "text/xml")]),
)
