"""The manager's explanation of a pre-flight refusal: the cause, and the value at creation set
beside the value now, in the reader's language (webapp/payout_core/preflight.py decides)."""

from __future__ import annotations

from decimal import Decimal

from webapp.lazy_text import lazy_gettext as _l
from webapp.payout_core.money import currency_precision, format_amount_text
from webapp.payout_core.preflight import Cause, Preflight

NOTHING_SENT = _l("Nothing was sent to the provider; the payout stays in the queue.")
BATCH_NOTHING_SENT = _l("Nothing was sent to the provider; the batch still waits for approval.")


def _money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "—"
    digits = max(currency_precision(currency), 0)
    return f"{format_amount_text(value, digits, grouped=True)} {currency}"


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else format(value.normalize(), "f")


def explain(check: Preflight, service: str, nothing_sent: str | None = None) -> str:
    """One sentence on why the approval stopped, then what happened to the payout."""
    then, now = check.then, check.now
    currency = then.service_currency
    if check.cause == Cause.NO_ANSWER:
        text = _l("The provider could not be asked whether service %(service)s still fits "
                  "this payout, so it was not approved.", service=service)
    elif check.cause == Cause.GONE:
        text = _l("The provider no longer offers service %(service)s (at creation it did).",
                  service=service)
    elif check.cause == Cause.UNAVAILABLE:
        text = _l("Service %(service)s is unavailable at the provider now (status: "
                  "%(status)s; at creation: available).", service=service,
                  status=(now.status if now else None) or "—")
    elif check.cause == Cause.OUT_OF_LIMITS:
        assert now is not None
        text = _l("The recipient would get %(gets)s, outside the service's limits now "
                  "(%(min)s to %(max)s; at creation %(old_min)s to %(old_max)s).",
                  gets=_money(now.recipient_gets, currency),
                  min=_money(now.amount_min, currency), max=_money(now.amount_max, currency),
                  old_min=_money(then.amount_min, currency),
                  old_max=_money(then.amount_max, currency))
    else:
        assert now is not None
        text = _l("The exchange rate moved from %(then)s to %(now)s (%(moved)s%%, more than "
                  "the %(tolerance)s%% allowed): the recipient would get %(gets_now)s instead "
                  "of %(gets_then)s.", then=_rate(then.rate), now=_rate(now.rate),
                  moved=check.moved_percent, tolerance=check.tolerance_percent,
                  gets_now=_money(now.recipient_gets, currency),
                  gets_then=_money(then.recipient_gets, currency))
    return f"{text} {nothing_sent or NOTHING_SENT}"
