"""Locale-aware display of money, dates and statuses: the app-wide Jinja filters."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal

from babel.numbers import get_currency_symbol, parse_pattern
from flask import Flask
from flask_babel import format_datetime, get_locale, get_timezone
from markupsafe import Markup, escape

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
)
from webapp.payout_core.money import currency_precision


def format_money(amount: Decimal | None, currency: str) -> str:
    """`amount` in the viewer's locale with exactly the currency's own decimals (JPY 0, BTC 8).
    Currencies without a symbol in the locale (BTC, ...) read "0.00012345 BTC"."""
    if amount is None:
        return ""
    locale = get_locale()
    digits = currency_precision(currency)
    try:
        symbol_known = get_currency_symbol(currency, locale) != currency
    except Exception:
        symbol_known = False
    source = locale.currency_formats["standard"] if symbol_known else locale.decimal_formats[None]
    pattern = copy.copy(parse_pattern(source.pattern))
    pattern.frac_prec = (digits, digits)
    if symbol_known:
        return pattern.apply(Decimal(amount), locale, currency=currency, currency_digits=False)
    return f"{pattern.apply(Decimal(amount), locale)}\u00a0{currency}"


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
    return f"{format_datetime(moment, style)} {zone_name(moment)}"


def iso_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return as_utc(moment).isoformat()


def time_tag(moment: datetime | None) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(iso_time(moment),
                                                          escape(format_when(moment)))


def init_app(app: Flask) -> None:
    """Every app-wide Jinja filter and global, registered in this one place. `datetimeformat`
    (Flask-Babel's, which names no zone) is replaced by `when`."""
    app.jinja_env.filters.update(
        money=format_money, when=format_when, iso=iso_time, datetimeformat=format_when,
        status_label=status_label, status_badge=status_badge,
        provider_status=provider_status_label, provider_error=provider_error,
    )
    app.jinja_env.globals.update(time_tag=time_tag, resolution_text=resolution_text,
                                 event_label=event_label, event_details=event_details,
                                 failure_text=failure_text)
