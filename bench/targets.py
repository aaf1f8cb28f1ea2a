"""Issue 22's three targets in one place, read off the HTTP rows of one run: list throughput
against the floor, create overhead against the provider called directly (with the bare Flask
floor's own overhead beside it), worker RSS."""

from __future__ import annotations

from bench.common import Row, verdict
from bench.overhead import OVERHEAD_TARGET_MS
from bench.throughput import RSS_TARGET_MB, THROUGHPUT_TARGET


def _find(rows: list[Row], prefix: str) -> Row:
    for row in rows:
        if row.name.startswith(prefix):
            return row
    raise LookupError(prefix)


def target_rows(label: str, throughput: list[Row], created: list[Row],
                create_rss: list[float]) -> list[Row]:
    section = f"0 targets/{label}"
    floor = _find(throughput, "floor:").values
    desk = _find(throughput, "desk:").values
    create = _find(created, "create over HTTP: form").values
    ratio = desk["ratio"]
    rss = [*desk.get("rss_after_load_mb", []), *create_rss]
    worst = max(rss) if rss else float("nan")
    return [
        Row(section, "GET /payouts/ throughput, desk vs floor (wrk -t2 -c8)",
            desk["p50_ms"], desk["p99_ms"], desk["requests"],
            result=f"{desk['rps']:.0f} vs {floor['rps']:.0f} req/s = {ratio:.2f}",
            target=f">= {THROUGHPUT_TARGET}", verdict=verdict(
                ratio >= THROUGHPUT_TARGET and desk["non_2xx"] == 0)),
        Row(section, "create: form POST -> 303 vs the same create sent to the provider",
            create["desk_ms"]["median"], create["desk_ms"]["p99"],
            result=f"{create['desk_ms']['median']:.1f} vs {create['direct_ms']['median']:.1f} "
                   f"ms = +{create['overhead_ms']:.2f} ms (floor "
                   f"+{create['floor_overhead_ms']:.2f})",
            target=f"<= +{OVERHEAD_TARGET_MS:.0f} ms median",
            verdict=verdict(create["overhead_ms"] <= OVERHEAD_TARGET_MS)),
        Row(section, "RSS of one gunicorn worker after the loads",
            result=f"max {worst:.0f} MB (" + " / ".join(f"{r:.0f}" for r in rss) + ")",
            target=f"<= {RSS_TARGET_MB:.0f} MB", verdict=verdict(worst <= RSS_TARGET_MB)),
    ]
