"""What the approval area of a payout page says about limits: the limit that applies to the
viewer and who can still give the final yes (a template global, registered by routes.py;
read-only)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from webapp.approvals.facts import LimitAdvice, limit_advice
from webapp.approvals.preflight_text import explain
from webapp.approvals.services import item_of
from webapp.models import Payout
from webapp.payout_core import preflight
from webapp.payout_core.preflight import Preflight


def payout_approval_advice(payout: Payout) -> LimitAdvice:
    return limit_advice(item_of(payout), current_user._get_current_object())


@dataclass(frozen=True)
class QuoteAdvice:
    """The quote at creation beside the quote now, for the approval area (read-only: the
    pre-request is a read at the provider; nothing is stored)."""

    check: Preflight
    explanation: str | None


def payout_quote_advice(payout: Payout) -> QuoteAdvice:
    check = preflight.check(payout)
    return QuoteAdvice(check, None if check.ok else explain(check, payout.service_code))
