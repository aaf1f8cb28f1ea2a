"""The request id of the work in progress, for log lines, provider calls and queued jobs.

A context variable rather than `flask.g` so that code without a request (Huey jobs, the
provider client) can read and set it alike.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

HEADER = "X-Request-Id"
# An id taken from a caller (a proxy, another service) is kept only if it looks like an id:
# anything else (too long, odd characters) could forge log lines, so a fresh one is made.
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_or_new(candidate: str | None) -> str:
    """The caller's id when it looks sane, else a fresh one."""
    if candidate and _SANE.match(candidate):
        return candidate
    return new_request_id()


def current_request_id() -> str | None:
    return _request_id.get()


def bind(request_id: str | None) -> Token[str | None]:
    return _request_id.set(request_id)


def unbind(token: Token[str | None]) -> None:
    _request_id.reset(token)


@contextmanager
def bound(request_id: str | None) -> Iterator[str]:
    """Run a block (a background job) under `request_id`, or a fresh id when there is none."""
    value = sane_or_new(request_id)
    token = bind(value)
    try:
        yield value
    finally:
        unbind(token)


# Something a rerun of this request would repeat (a commit, a provider call): set by the
# provider transport's hook and SQLAlchemy's commit event, read by webapp/db_retry.py.
_side_effect: ContextVar[str | None] = ContextVar("side_effect", default=None)


def note_side_effect(kind: str) -> None:
    _side_effect.set(kind)


def side_effect() -> str | None:
    return _side_effect.get()


def forget_side_effects() -> None:
    _side_effect.set(None)
