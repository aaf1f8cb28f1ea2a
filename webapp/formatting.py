"""Locale-aware display of money, dates and statuses: the app-wide Jinja filters."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from flask import Flask, g, has_app_context
from flask_babel import format_datetime, get_locale, get_timezone
from markupsafe import Markup

from webapp.formatters import MoneyFormat, datetime_format, money_format
from webapp.models.base import as_utc
from webapp.payout_core.labels import (
    event_details,
    event_label,
    failure_text,
    provider_error,
    provider_status_label,
    resolution_text,
    status_badge,
    status_label,
    status_money,
)
from webapp.payout_core.money import amount_example, currency_precision

STYLES = frozenset({"short", "medium", "long", "full"})


def format_money(amount: Decimal | None, currency: str) -> str:
    """`amount` in the viewer's locale with exactly the currency's own decimals (JPY 0, BTC 8).
    Currencies without a symbol in the locale (BTC, ...) read "0.00012345 BTC"."""
    if amount is None:
        return ""
    formatter = money_format(str(get_locale()), currency, currency_precision(currency))
    return formatter(Decimal(amount))


def zone_name(moment: datetime) -> str:
    """The reader's zone at `moment`, as an offset anyone can read: "GMT+02:00", or "UTC"."""
    zone = get_timezone()
    if zone is None or str(zone) in {"UTC", "Etc/UTC"}:
        return "UTC"
    return str(format_datetime(moment, "ZZZZ"))


def format_when(moment: datetime | None, style: str = "medium") -> str:
    """Date and time in the reader's language and time zone, with the zone named."""
    if moment is None:
        return ""
    moment = as_utc(moment)
    if style not in STYLES:
        return format_datetime(moment, style)  # an explicit pattern says what it shows
    text = datetime_format(str(get_locale()), get_timezone(), style)(moment)
    return f"{text} {zone_name(moment)}"


def iso_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return as_utc(moment).isoformat()


def time_tag(moment: datetime | None) -> Markup:
    # `%`, not Markup.format (string.Formatter): this runs on every row of a table.
    return Markup('<time datetime="%s">%s</time>') % (iso_time(moment), format_when(moment))


class RowFormat:
    """Money, moments and status labels for the many rows of a table: the viewer's language
    and time zone looked up once per page instead of several times per cell."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.language = language
        self.zone = zone
        self.moment_text = datetime_format(language, zone, "medium")
        self._utc = str(zone) in {"UTC", "Etc/UTC"}
        self._zone_names: dict[object, str] = {}
        self._labels: dict[str | None, str] = {}
        self._money: dict[str, MoneyFormat] = {}

    def money(self, amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return ""
        formatter = self._money.get(currency)
        if formatter is None:
            formatter = self._money[currency] = money_format(
                self.language, currency, currency_precision(currency))
        return formatter(amount if isinstance(amount, Decimal) else Decimal(amount))

    def when(self, moment: datetime) -> str:
        """`format_when(moment)`: the text of a row's moment, with the zone named."""
        moment = as_utc(moment)
        return f"{self.moment_text(moment)} {self._zone_name(moment)}"

    def status_label(self, status: str | None) -> str:
        label = self._labels.get(status)
        if label is None:
            label = self._labels[status] = status_label(status)
        return label

    def _zone_name(self, moment: datetime) -> str:
        """`zone_name`, remembered per UTC offset (a page's rows share one or two)."""
        if self._utc:
            return "UTC"
        offset = moment.astimezone(self.zone).utcoffset()
        name = self._zone_names.get(offset)
        if name is None:
            name = self._zone_names[offset] = zone_name(moment)
        return name


def row_format() -> RowFormat:
    return RowFormat(str(get_locale()), get_timezone())


def status_label_once(status: str | None) -> str:
    """`status_label`, translated once per request, language and status (the list shows 50
    rows' labels; each translation goes through Flask-Babel's context look-ups)."""
    if not has_app_context():
        return status_label(status)
    key = (str(get_locale()), status)
    memo: dict[tuple[str, str | None], str] = g.setdefault("_status_labels", {})
    label = memo.get(key)
    if label is None:
        label = memo[key] = status_label(status)
    return label


def init_app(app: Flask) -> None:
    """Every app-wide Jinja filter and global, registered in this one place. `datetimeformat`
    (Flask-Babel's, which names no zone) is replaced by `when`."""
    app.jinja_env.filters.update(
        money=format_money, when=format_when, iso=iso_time, datetimeformat=format_when,
        status_label=status_label_once, status_badge=status_badge, status_money=status_money,
        provider_status=provider_status_label, provider_error=provider_error,
    )
    app.jinja_env.globals.update(time_tag=time_tag,
                                 resolution_text=resolution_text, event_label=event_label,
                                 event_details=event_details, failure_text=failure_text,
                                 amount_example=amount_example)
