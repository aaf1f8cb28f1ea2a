"""Possible duplicates of a single payout: the same service, currency, amount and recipient as a
payout of the last 30 days, or one still waiting in the approvals queue.

Recipient fields are stored masked and encrypted; each payout also keeps a keyed digest of
service, currency, fields and amount (payout_core/recipient_digest.py), so finding repeats is an
indexed lookup of equal digests, with nothing decrypted. A recent payout stored without a
digest (a worker of the previous version during a rolling deploy) is still compared: found
through a partial index of such rows, decrypted, digested here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, case, null, or_, select

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.models.base import utcnow
from webapp.models.status import MAY_PAY, values
from webapp.payout_core.recipient_digest import digest_of_stored, recipient_digest

RECENT_DAYS = 30
S = PayoutStatus
# A rejected or never-created payout paid nothing: repeating it is not a duplicate.
PAID_OR_PAYING = values(MAY_PAY)
MAX_SHOWN = 5


# A payout a new one may repeat: it paid or may pay, and is recent (`since`) or still queued.
_STILL_COUNTS = (Payout.status.in_(PAID_OR_PAYING)
                 & or_(Payout.created_at >= bindparam("since"),
                       Payout.status == S.AWAITING_APPROVAL.value))
# Recent rows without a digest (ix_payouts_undigested holds only these, by service and age).
UNDIGESTED = and_(Payout.recipient_digest.is_(None), Payout.created_at >= bindparam("since"))
# Their encrypted fields, to digest them here; nothing for rows that have a digest.
FIELDS_IF_UNDIGESTED = case((Payout.recipient_digest.is_(None), Payout.fields_encrypted),
                            else_=null()).label("undigested_fields")
# Built once: every create and every review runs it. Ids first: almost always there are none,
# and a whole row's columns cost even an empty answer (PostgreSQL describes each of them).
_REPEATS = (select(Payout.id, Payout.recipient_digest, FIELDS_IF_UNDIGESTED)
            .where(or_(Payout.recipient_digest == bindparam("digest"),
                       UNDIGESTED & (Payout.service_code == bindparam("service_code"))
                       & (Payout.currency == bindparam("currency"))
                       & (Payout.amount == bindparam("amount"))),
                   _STILL_COUNTS)
            .order_by(Payout.id.desc()))


def possible_duplicates(service_code: str, currency: str, amount: Decimal,
                        fields: dict[str, str]) -> list[Payout]:
    """Earlier payouts this one repeats (newest first, at most MAX_SHOWN): one indexed lookup
    of the digest. Paying the same amount again is common (wages); reading and decrypting
    every recent payout of that amount to compare recipients was an eighth of a create."""
    wanted = recipient_digest(service_code, currency, fields, amount)
    rows = db.session.execute(_REPEATS, {
        "digest": wanted, "since": window_start(), "service_code": service_code,
        "currency": currency, "amount": amount})
    ids = [payout_id for payout_id, digest, undigested in rows
           if (digest or digest_of_stored(service_code, currency, amount, undigested)) == wanted]
    ids = ids[:MAX_SHOWN]
    if not ids:
        return []
    loaded = {p.id: p for p in db.session.scalars(select(Payout).where(Payout.id.in_(ids)))}
    return [loaded[payout_id] for payout_id in ids if payout_id in loaded]


def window_start() -> datetime:
    return utcnow() - timedelta(days=RECENT_DAYS)


def digest_of(payout: Payout) -> str | None:
    """The payout's digest, stored or (for a row stored without one) computed."""
    return payout.recipient_digest or digest_of_stored(
        payout.service_code, payout.currency, Decimal(payout.amount), payout.fields_encrypted)


def row_digest(row: Any) -> str | None:
    """The digest of a selected row with recipient_digest, service_code, currency, amount and
    FIELDS_IF_UNDIGESTED."""
    return row.recipient_digest or digest_of_stored(
        row.service_code, row.currency, Decimal(row.amount), row.undigested_fields)


def duplicate_flags(payouts: list[Payout]) -> dict[int, list[int]]:
    """For a page of the approvals queue: payout id → ids of other recent or queued payouts
    with the same service, currency, amount and recipient (equal digests). Two queries for the
    whole page."""
    page = {p.id: digest_of(p) for p in payouts}
    digests = {d for d in page.values() if d}
    if not digests:
        return {}
    # Two look-ups, each by its own index, and whether a row still counts is decided here:
    # with that in SQL (and the two joined by OR), SQLite read every recent or queued payout
    # through the status index, or with statistics scanned the whole table. Every earlier
    # payout with one of these digests is read, however old (monthly wages repeat), but
    # from the index alone: it holds digest, status and created_at.
    since = window_start()
    found = [(payout_id, digest) for payout_id, status, created_at, digest in db.session.execute(
        select(Payout.id, Payout.status, Payout.created_at, Payout.recipient_digest)
        .where(Payout.recipient_digest.in_(digests)))
        if _still_counts(status, created_at, since)]
    undigested = db.session.execute(  # recent by definition: only the status is left to check
        select(Payout.id, Payout.status, Payout.recipient_digest, Payout.service_code,
               Payout.currency, Payout.amount, FIELDS_IF_UNDIGESTED)
        .where(UNDIGESTED, Payout.service_code.in_(_distinct(p.service_code for p in payouts)),
               Payout.amount.in_(_distinct(Decimal(p.amount) for p in payouts))),
        {"since": since})
    found += [(row.id, row_digest(row)) for row in undigested if row.status in PAID_OR_PAYING]
    groups: dict[str, list[int]] = defaultdict(list)
    for payout_id, digest in sorted(found):
        if digest in digests:
            groups[digest].append(payout_id)
    flags: dict[int, list[int]] = {}
    for payout_id, digest in page.items():
        matches = [i for i in groups.get(digest or "", []) if i != payout_id]
        if matches:
            flags[payout_id] = matches[:MAX_SHOWN]
    return flags


def _still_counts(status: str, created_at: datetime, since: datetime) -> bool:
    """`_STILL_COUNTS` for a row already read."""
    return status in PAID_OR_PAYING and (created_at >= since
                                          or status == S.AWAITING_APPROVAL.value)


def _distinct(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))
