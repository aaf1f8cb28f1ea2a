"""Recording definite provider failures on a payout (shared by creation and recovery)."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.status import CREATE_UNCONFIRMED
from webapp.payout_core.state import move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import ProviderError

S = PayoutStatus


def describe(exc: ProviderError) -> str:
    """A short, secret-free description for the timeline and the page."""
    code = f" {exc.status_code}" if exc.status_code else ""
    return f"{type(exc).__name__}{code}: {exc.message}"[:1024]


def fail_creation(payout: Payout, exc: ProviderError) -> None:
    """The provider said no to the create: nothing exists there, the operator may retry anew."""
    reason = describe(exc)
    if move(payout.id, CREATE_UNCONFIRMED, S.FAILED_TO_CREATE,
            last_error=reason):
        add_event(payout, "failed_to_create", status_to=S.FAILED_TO_CREATE.value,
                  message=reason, details={"http_status": exc.status_code})
    db.session.commit()
