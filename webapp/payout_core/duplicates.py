"""Possible duplicates of a single payout: the same service, currency, amount and recipient as a
payout of the last 30 days, or one still waiting in the approvals queue.

Recipient fields are stored masked and encrypted; candidates are narrowed in SQL by service,
currency, amount and masked fields, and only those are decrypted and compared exactly.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.base import utcnow
from webapp.models.status import MAY_PAY, values
from webapp.payout_core.secrets import decrypt_fields, mask_fields

RECENT_DAYS = 30
S = PayoutStatus
# A rejected or never-created payout paid nothing: repeating it is not a duplicate.
PAID_OR_PAYING = values(MAY_PAY)
MAX_SHOWN = 5


def possible_duplicates(service_code: str, currency: str, amount: Decimal,
                        fields: dict[str, str], exclude_id: int | None = None) -> list[Payout]:
    """Earlier payouts this one repeats (newest first, at most MAX_SHOWN). The candidates are
    read as (id, masked, encrypted) tuples and only the repeats are loaded as payouts: paying
    the same amount again is common (wages), and loading 200 whole payouts for every create
    was a third of its time."""
    masked = mask_fields(fields)
    query = (
        select(Payout.id, Payout.fields_masked, Payout.fields_encrypted)
        .where(Payout.service_code == service_code, Payout.currency == currency,
               Payout.amount == amount, Payout.status.in_(PAID_OR_PAYING),
               or_(Payout.created_at >= utcnow() - timedelta(days=RECENT_DAYS),
                   Payout.status == S.AWAITING_APPROVAL.value))
        .order_by(Payout.id.desc())
        .limit(200)
    )
    found: list[int] = []
    for payout_id, candidate_masked, encrypted in db.session.execute(query):
        if payout_id == exclude_id or (candidate_masked or {}) != masked:
            continue
        if encrypted and decrypt_fields(encrypted) == fields:
            found.append(payout_id)
            if len(found) >= MAX_SHOWN:
                break
    if not found:
        return []
    loaded = {p.id: p for p in db.session.scalars(select(Payout).where(Payout.id.in_(found)))}
    return [loaded[payout_id] for payout_id in found if payout_id in loaded]


def duplicate_flags(payouts: list[Payout]) -> dict[int, list[int]]:
    """For a page of the approvals queue: payout id → ids of other recent or queued payouts
    with the same service, currency, amount and recipient. One query for the whole page;
    only payouts whose masked details already agree are decrypted."""
    if not payouts:
        return {}
    query = (
        select(Payout)
        .where(Payout.service_code.in_({p.service_code for p in payouts}),
               Payout.amount.in_({Decimal(p.amount) for p in payouts}),
               Payout.status.in_(PAID_OR_PAYING),
               or_(Payout.created_at >= utcnow() - timedelta(days=RECENT_DAYS),
                   Payout.status == S.AWAITING_APPROVAL.value))
        .order_by(Payout.id)
    )
    groups: dict[tuple[str, str, str, str], list[Payout]] = defaultdict(list)
    for candidate in db.session.scalars(query):
        groups[_group_key(candidate)].append(candidate)
    flags: dict[int, list[int]] = {}
    for payout in payouts:
        same = [c for c in groups.get(_group_key(payout), []) if c.id != payout.id]
        if not same or not payout.fields_encrypted:
            continue
        fields = decrypt_fields(payout.fields_encrypted)
        matches = [c.id for c in same
                   if c.fields_encrypted and decrypt_fields(c.fields_encrypted) == fields]
        if matches:
            flags[payout.id] = matches[:MAX_SHOWN]
    return flags


def _group_key(payout: Payout) -> tuple[str, str, str, str]:
    return (payout.service_code, payout.currency, format(Decimal(payout.amount).normalize(), "f"),
            json.dumps(payout.fields_masked or {}, sort_keys=True))
