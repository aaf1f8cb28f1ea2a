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
HEIGHT = 184  # two label lines under the baseline: the day, and the month where it starts
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
    label: str  # the day of the month, under the bar (fits any language's slot)
    month_label: str  # under the first bar and where a month begins, else ""
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
    bars: list[Bar] = []
    for index, volume in enumerate(volumes):
        new_month = (not bars or bars[-1].day.month != volume.day.month) and not (
            # the first bar's month would run into the next month's name two bars on
            index == 0 and any(v.day.month != volume.day.month for v in volumes[1:3]))
        height = round(room * volume.count / peak, 1) if peak else 0.0
        if volume.count and height < 1:
            height = 1.0
        bars.append(Bar(
            day=volume.day, count=volume.count,
            x=round(index * slot + (slot - width) / 2, 1), y=round(BASELINE - height, 1),
            width=width, height=height,
            # "16 лист." under each of 14 bars overlaps in ru/uk; "16" and a month line do not.
            label=format_skeleton("d", volume.day, locale=locale),
            month_label=format_date(volume.day, "LLL", locale=locale) if new_month else "",
            long_label=format_date(volume.day, "full", locale=locale),
        ))
    return Chart(bars=bars, peak=peak)
