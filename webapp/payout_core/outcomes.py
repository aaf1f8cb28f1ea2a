"""Recording definite provider failures on a payout (shared by creation and recovery)."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.status import CREATE_UNCONFIRMED
from webapp.payout_core.failures import Failure, failure_of
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import ProviderError

S = PayoutStatus


def describe(exc: ProviderError) -> Failure:
    """The failure as data (kind and parameters) for the payout, its timeline and the page."""
    return failure_of(exc)


def fail_creation(payout: Payout, exc: ProviderError) -> None:
    """The provider said no to the create: nothing exists there, the operator may retry anew."""
    reason = describe(exc)
    if move(payout.id, CREATE_UNCONFIRMED, S.FAILED_TO_CREATE,
            last_error=reason):
        add_event(payout, "failed_to_create", status_to=S.FAILED_TO_CREATE.value,
                  failure=reason)
    db.session.commit()
