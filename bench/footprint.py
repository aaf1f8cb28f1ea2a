"""Item 5 (bytes): what a browser downloads for the first load of /payouts/new (HTML, CSS, JS)
and for a service form fragment, raw and gzip level 6 (response bodies; headers excluded)."""

from __future__ import annotations

import gzip
import re

from bench.common import Row, verdict
from bench.desk import Desk

FIRST_LOAD_TARGET_KB = 60.0
SECTION = "5 footprint"
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)')


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def run_footprint(desk: Desk) -> list[Row]:
    client = desk.operator
    page = client.get("/payouts/new", headers={"Accept-Encoding": "gzip"})
    if page.status_code != 200:
        raise RuntimeError(f"/payouts/new answered {page.status_code}")
    served_gzip = page.headers.get("Content-Encoding") == "gzip"
    html = page.data if not served_gzip else gzip.decompress(page.data)
    parts = [("HTML /payouts/new", html)]
    for path in dict.fromkeys(ASSET.findall(html.decode())):
        asset = client.get(path)
        parts.append((path, asset.data))
        asset.close()
    rows = []
    for name, data in parts:
        rows.append(Row(SECTION, f"first load: {name}",
                        result=f"{len(data) / 1024:.1f} KB raw, {_gz(data) / 1024:.1f} KB gz",
                        values={"raw": len(data), "gzip6": _gz(data)}))
    raw = sum(len(d) for _n, d in parts)
    packed = sum(_gz(d) for _n, d in parts)
    rows.append(Row(
        SECTION, "first load of /payouts/new: total",
        result=f"{raw / 1024:.1f} KB raw, {packed / 1024:.1f} KB gz",
        target=f"<= {FIRST_LOAD_TARGET_KB:.0f} KB compressed",
        verdict=verdict(packed / 1024 <= FIRST_LOAD_TARGET_KB),
        values={"raw": raw, "gzip6": packed, "app_serves_gzip": served_gzip},
        note=("the app answers gzip itself" if served_gzip else
              "the app and gunicorn send these uncompressed; the gz sizes assume the "
              "reverse proxy compresses (gzip level 6)")))
    fragment = client.get("/payouts/new?currency=USD&amount=10.00&service=test_usd",
                          headers={"HX-Request": "true"})
    rows.append(Row(SECTION, "form fragment (sandbox test_usd, htmx GET)",
                    result=f"{len(fragment.data) / 1024:.1f} KB raw, "
                           f"{_gz(fragment.data) / 1024:.1f} KB gz",
                    values={"raw": len(fragment.data), "gzip6": _gz(fragment.data)}))
    return rows
