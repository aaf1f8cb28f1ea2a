"""Possible duplicates of a single payout: the same service, currency, amount and recipient as a
payout of the last 30 days, or one still waiting in the approvals queue.

Recipient fields are stored masked and encrypted; each payout also keeps a keyed digest of
service, currency, fields and amount (payout_core/recipient_digest.py), so finding repeats is an
indexed lookup of equal digests, with nothing decrypted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, or_, select

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.base import utcnow
from webapp.models.status import MAY_PAY, values
from webapp.payout_core.recipient_digest import recipient_digest

RECENT_DAYS = 30
S = PayoutStatus
# A rejected or never-created payout paid nothing: repeating it is not a duplicate.
PAID_OR_PAYING = values(MAY_PAY)
MAX_SHOWN = 5


# A payout a new one may repeat: it paid or may pay, and is recent (`since`) or still queued.
_STILL_COUNTS = (Payout.status.in_(PAID_OR_PAYING)
                 & or_(Payout.created_at >= bindparam("since"),
                       Payout.status == S.AWAITING_APPROVAL.value))
# Built once: every create and every review runs it. Ids first: almost always there are none,
# and a whole row's columns cost even an empty answer (PostgreSQL describes each of them).
_REPEATS = (select(Payout.id)
            .where(Payout.recipient_digest == bindparam("digest"), _STILL_COUNTS,
                   Payout.id != bindparam("exclude_id"))
            .order_by(Payout.id.desc())
            .limit(MAX_SHOWN))


def possible_duplicates(service_code: str, currency: str, amount: Decimal,
                        fields: dict[str, str], exclude_id: int | None = None) -> list[Payout]:
    """Earlier payouts this one repeats (newest first, at most MAX_SHOWN): one indexed lookup
    of the digest. Paying the same amount again is common (wages); reading and decrypting
    every recent payout of that amount to compare recipients was an eighth of a create."""
    ids = list(db.session.scalars(_REPEATS, {
        "digest": recipient_digest(service_code, currency, fields, amount),
        "since": _window_start(), "exclude_id": exclude_id or 0}))
    if not ids:
        return []
    loaded = {p.id: p for p in db.session.scalars(select(Payout).where(Payout.id.in_(ids)))}
    return [loaded[payout_id] for payout_id in ids if payout_id in loaded]


def _window_start() -> datetime:
    return utcnow() - timedelta(days=RECENT_DAYS)


def duplicate_flags(payouts: list[Payout]) -> dict[int, list[int]]:
    """For a page of the approvals queue: payout id → ids of other recent or queued payouts
    with the same service, currency, amount and recipient (equal digests). One query for the
    whole page."""
    digests = {p.recipient_digest for p in payouts if p.recipient_digest}
    if not digests:
        return {}
    query = (
        select(Payout.id, Payout.recipient_digest)
        .where(Payout.recipient_digest.in_(digests), _STILL_COUNTS)
        .order_by(Payout.id)
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for payout_id, digest in db.session.execute(query, {"since": _window_start()}):
        groups[digest].append(payout_id)
    flags: dict[int, list[int]] = {}
    for payout in payouts:
        matches = [i for i in groups.get(payout.recipient_digest or "", []) if i != payout.id]
        if matches:
            flags[payout.id] = matches[:MAX_SHOWN]
    return flags
