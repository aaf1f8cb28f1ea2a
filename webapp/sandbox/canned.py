"""Canned answers: the next calls of an operation get a body of the test's choosing instead of
the sandbox's own, so tests can play a hostile or broken provider over real HTTP (markup in
labels, numbers out of bounds, deep JSON) without a second fake server."""

from __future__ import annotations

from typing import Any

from webapp.sandbox.store import OPERATIONS, SandboxState


def queue_answer(state: SandboxState, operation: str, body: str, status: int = 200,
                 times: int = 1) -> None:
    """The next `times` calls of `operation` answer `status` with `body` (raw JSON text)."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}")
    if times < 1:
        raise ValueError("times must be at least 1")
    with state.lock:
        state.canned.setdefault(operation, []).append([body, status, times])


def take_answer(state: SandboxState, operation: str) -> tuple[str, int] | None:
    with state.lock:
        queue: list[list[Any]] = state.canned.get(operation) or []
        if not queue:
            return None
        body, status, _times = queue[0]
        queue[0][2] -= 1
        if queue[0][2] <= 0:
            queue.pop(0)
        return str(body), int(status)
