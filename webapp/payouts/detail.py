"""What the payout page shows: recipient fields labelled from the stored service snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_login import current_user

from webapp.approvals.fingerprint import fingerprint_of
from webapp.extensions import db
from webapp.models import Payout, PayoutCopy, PayoutStatus, Role
from webapp.provider.types import PayoutService

POLL_SECONDS = 3


@dataclass(frozen=True)
class ShownField:
    key: str
    label: str
    value: str


def shown_fields(payout: Payout) -> list[ShownField]:
    """The recipient form as it was filled, labelled in the viewer's language, masked."""
    language = str(get_locale())
    service = PayoutService.from_snapshot(payout.service_snapshot)
    known = {f.key: f for f in service.fields}
    shown = [
        ShownField(f.key, f.label_for(language), payout.fields_masked.get(f.key, ""))
        for f in service.fields
        if f.key in payout.fields_masked
    ]
    shown += [ShownField(key, key, value) for key, value in payout.fields_masked.items()
              if key not in known]
    return shown


def can_decide(payout: Payout) -> bool:
    return (
        current_user.has_role(Role.MANAGER)
        and current_user.id not in (payout.created_by_id, payout.resent_by_id)
        and current_user.id != db.session.scalar(
            db.select(PayoutCopy.original_creator_id).where(PayoutCopy.copy_id == payout.id))
        and payout.status_enum == PayoutStatus.AWAITING_APPROVAL
    )


def detail_context(payout: Payout) -> dict[str, Any]:
    return {
        "payout": payout,
        "fields": shown_fields(payout),
        "can_decide": can_decide(payout),
        "fingerprint": fingerprint_of(payout),
        "poll_seconds": POLL_SECONDS,
    }
