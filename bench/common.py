"""Timing, statistics, query counting and the result table shared by every benchmark."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Samples:
    """Durations in milliseconds of repeated runs of one thing."""

    ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p99(self) -> float:
        """Nearest-rank 99th percentile (the largest sample when there are fewer than 100)."""
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def sample(run: Callable[[], Any], n: int, warmup: int = 3,
           budget_s: float = 30.0) -> Samples:
    """Time `run` up to `n` times after `warmup` untimed runs; stop early after `budget_s`
    (always keeping at least 5 samples) so a slow case cannot stall the whole run."""
    for _ in range(warmup):
        run()
    durations: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(durations) < n:
        start = time.perf_counter()
        run()
        durations.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > deadline and len(durations) >= 5:
            break
    return Samples(durations)


class QueryCounter:
    """Counts statements an engine sends (`before_cursor_execute`) and times each one until
    `after_cursor_execute` (on SQLite rows are read later, while fetching, so only
    PostgreSQL's times include the query's work)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.timings: dict[str, list[float]] = {}
        self._started: float = 0.0
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "after_cursor_execute", self._done)

    def _seen(self, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _done(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        key = " ".join(statement.split())[:70]
        self.timings.setdefault(key, []).append((time.perf_counter() - self._started) * 1000)

    def slowest(self) -> tuple[str, float] | None:
        """The statement with the largest median time, and that median in ms."""
        if not self.timings:
            return None
        key, times = max(self.timings.items(), key=lambda kv: statistics.median(kv[1]))
        return key, statistics.median(times)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
        event.remove(self.engine, "after_cursor_execute", self._done)

    @contextmanager
    def measuring(self) -> Iterator[list[int]]:
        """Yields a list that receives the number of statements run inside the block."""
        box: list[int] = []
        before = self.count
        yield box
        box.append(self.count - before)


@dataclass
class Row:
    """One line of the table (and one object in the JSON)."""

    section: str
    name: str
    median_ms: float | None = None
    p99_ms: float | None = None
    n: int | None = None
    queries: float | None = None
    result: str = ""  # a ratio, a rate or a size, as printed
    target: str = ""
    verdict: str = ""  # "ok", "MISS" or "" when there is no target
    values: dict[str, Any] = field(default_factory=dict)  # raw numbers for the JSON
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def timed_row(section: str, name: str, samples: Samples, queries: float | None = None,
              **extra: Any) -> Row:
    return Row(section, name, round(samples.median, 3), round(samples.p99, 3), len(samples.ms),
               queries, **extra)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


COLUMNS = ("section", "measurement", "n", "median ms", "p99 ms", "queries", "result",
           "target", "")


def format_table(rows: list[Row]) -> str:
    """A plain fixed-width table, one line per measurement, notes listed underneath."""
    cells = [[r.section, r.name, _cell(r.n), _cell(r.median_ms), _cell(r.p99_ms),
              _cell(r.queries, 1), r.result, r.target, r.verdict] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) if cells else len(c)
              for i, c in enumerate(COLUMNS)]
    numeric = {2, 3, 4, 5}

    def line(values: list[str] | tuple[str, ...]) -> str:
        return "  ".join(v.rjust(w) if i in numeric else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=True))).rstrip()

    out = [line(COLUMNS), line(["-" * w for w in widths])]
    out.extend(line(c) for c in cells)
    notes = [f"  [{r.section}] {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        out.append("")
        out.append("Notes:")
        out.extend(notes)
    return "\n".join(out)
