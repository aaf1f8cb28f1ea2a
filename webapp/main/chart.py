"""Bar geometry for the dashboard's volume chart, drawn as SVG by a Jinja template.

No chart library and no inline style: the template writes these numbers into SVG attributes and
the colours come from app.css, which the Content-Security-Policy allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date, format_skeleton
from flask_babel import get_locale

from webapp.main.dashboard import DayVolume

WIDTH = 560
HEIGHT = 170
TOP = 18  # room for the value above the tallest bar
BASELINE = 145  # bars stand on this line; day labels go below it
BAR_SHARE = 0.7  # of each day's slot


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float
    label: str  # short, under the bar
    long_label: str  # for the tooltip and the table

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        """Where the count is written, just above the bar."""
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = BASELINE

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bars)


def bar_chart(volumes: Sequence[DayVolume]) -> Chart:
    """Bars scaled to the busiest day; a day with any payout gets at least a sliver."""
    locale = get_locale()
    peak = max((v.count for v in volumes), default=0)
    slot = WIDTH / max(len(volumes), 1)
    width = round(slot * BAR_SHARE, 1)
    room = BASELINE - TOP
    bars = []
    for index, volume in enumerate(volumes):
        height = round(room * volume.count / peak, 1) if peak else 0.0
        if volume.count and height < 1:
            height = 1.0
        bars.append(Bar(
            day=volume.day, count=volume.count,
            x=round(index * slot + (slot - width) / 2, 1), y=round(BASELINE - height, 1),
            width=width, height=height,
            label=format_skeleton("MMMd", volume.day, locale=locale),
            long_label=format_date(volume.day, "full", locale=locale),
        ))
    return Chart(bars=bars, peak=peak)
