"""Whether this process was asked to stop. The worker sets it from its consumer's stop flag
(SIGTERM is a graceful stop, see webapp/worker.py); long jobs look at it between steps and hand
their work back instead of holding it until the process is killed."""

from __future__ import annotations

from typing import Protocol


class Flag(Protocol):
    def is_set(self) -> bool: ...


_flag: Flag | None = None


def watch(flag: Flag) -> None:
    global _flag
    _flag = flag


def requested() -> bool:
    return _flag is not None and _flag.is_set()
