"""Totals per currency and status for one side of a run: count, amount, fee and processed
amount, kept as Decimal text in JSON so a resumed run adds to what was committed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

Totals = dict[str, dict[str, dict[str, Any]]]
MEASURES = ("amount", "fee", "processed")


def add(totals: Totals, currency: str | None, status: str | None, amount: Decimal | None,
        fee: Decimal | None, processed: Decimal | None) -> None:
    cell = totals.setdefault((currency or "—").upper(), {}).setdefault(
        (status or "—").lower(), {"count": 0, "amount": "0", "fee": "0", "processed": "0"})
    cell["count"] += 1
    for name, value in zip(MEASURES, (amount, fee, processed), strict=True):
        if value is not None:
            cell[name] = format((Decimal(cell[name]) + value).normalize(), "f")


def rows(provider: Totals | None, desk: Totals | None) -> list[dict[str, Any]]:
    """One row per (currency, status) on either side, both sides beside each other."""
    provider, desk = provider or {}, desk or {}
    keys = sorted({(c, s) for side in (provider, desk) for c, by in side.items() for s in by})
    empty = {"count": 0, "amount": "0", "fee": "0", "processed": "0"}
    return [{"currency": c, "status": s,
             "provider": provider.get(c, {}).get(s, empty), "desk": desk.get(c, {}).get(s, empty)}
            for c, s in keys]
