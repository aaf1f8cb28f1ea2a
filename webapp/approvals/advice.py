"""What the approval area of a payout page says about limits: the limit that applies to the
viewer and who can still give the final yes (a template global, registered by routes.py;
read-only)."""

from __future__ import annotations

from flask_login import current_user

from webapp.approvals.facts import LimitAdvice, limit_advice
from webapp.approvals.services import item_of
from webapp.models import Payout


def payout_approval_advice(payout: Payout) -> LimitAdvice:
    return limit_advice(item_of(payout), current_user._get_current_object())
