"""The recipient book's data: search, saved details (decrypted only on demand), the link from a
payout to the recipient it paid, and a recipient's history with totals per currency.

Field values are stored like a payout's (webapp/payout_core/secrets.py): a Fernet-encrypted
copy to fill a form with, a masked copy for pages. Lists show even less (`list_mask`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, or_, select

from webapp.extensions import db
from webapp.models import Payout, Recipient, RecipientDetail, RecipientPayout, User
from webapp.observability.card_numbers import has_card
from webapp.payout_core.scope import visible_payouts
from webapp.payout_core.secrets import SENSITIVE_KEY, decrypt_fields, encrypt_fields, mask_value
from webapp.provider.types import PayoutService

SEARCH_LIMIT = 50
_NON_DIGITS = re.compile(r"\D")


def list_mask(value: str) -> str:
    """Only the last four characters: lists never show a whole account, IBAN or phone."""
    compact = value.strip()
    return "•••• " + compact[-4:] if len(compact) > 4 else "••••"


def mask_strictly(values: dict[str, str]) -> dict[str, str]:
    """The copy pages show: unlike a payout's masked copy (cards only), every saved value is
    cut to its last four characters; the full values stay encrypted."""
    return {key: list_mask(mask_value(key, value)) for key, value in values.items()}


def shown_in_full(values: dict[str, str]) -> dict[str, str]:
    """"Show full details": every value as saved, except card numbers and security codes,
    which no page shows in full (512381******0000)."""
    return {key: mask_value(key, value) if SENSITIVE_KEY.search(key) or has_card(value)
            else value for key, value in values.items()}


def search_tail(values: dict[str, str]) -> str:
    """" 1234 5678 ": the last four digits of each value, for "search by the last digits"."""
    tails = [digits[-4:] for v in values.values() if len(digits := _NON_DIGITS.sub("", v)) >= 4]
    return " " + " ".join(tails) + " " if tails else ""


def search(query: str, *, include_archived: bool = False) -> Select[tuple[Recipient]]:
    """Recipients whose name or reference contains `query`, or one of whose saved accounts ends
    with it (digits only, 2 to 4 of them)."""
    stmt = select(Recipient).order_by(func.lower(Recipient.name), Recipient.id)
    if not include_archived:
        stmt = stmt.where(Recipient.archived.is_(False))
    text = query.strip()[:64]
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions = [Recipient.name.ilike(like, escape="\\"),
                      Recipient.reference.ilike(like, escape="\\")]
        if text.isdigit() and 2 <= len(text) <= 4:
            tail = select(RecipientDetail.recipient_id).where(
                RecipientDetail.search_tail.like(f"%{text} %"))
            conditions.append(Recipient.id.in_(tail))
        stmt = stmt.where(or_(*conditions))
    return stmt.limit(SEARCH_LIMIT)


def by_reference(reference: str, *, include_archived: bool = False) -> Recipient | None:
    query = select(Recipient).where(Recipient.reference == reference)
    if not include_archived:
        query = query.where(Recipient.archived.is_(False))
    return db.session.scalar(query)


@dataclass(frozen=True)
class SavedDetail:
    """A saved detail, decrypted, with its recipient: what a new payout form is filled with."""

    detail_id: int
    recipient_id: int
    name: str
    reference: str | None
    email: str | None
    phone: str | None
    service: PayoutService  # as it was when saved
    values: dict[str, str]
    last_amount: Decimal | None
    currency: str  # the payout currency it was saved for


def saved_detail(detail_id: int) -> SavedDetail | None:
    detail = db.session.get(RecipientDetail, detail_id)
    if detail is None or detail.recipient.archived:
        return None
    recipient = detail.recipient
    return SavedDetail(
        detail_id=detail.id, recipient_id=recipient.id, name=recipient.name,
        reference=recipient.reference, email=recipient.email, phone=recipient.phone,
        service=PayoutService.from_snapshot(detail.service_snapshot),
        values=decrypt_fields(detail.fields_encrypted), last_amount=detail.last_amount,
        currency=detail.currency)


def store_detail(recipient: Recipient, service: PayoutService, currency: str,
                 values: dict[str, str], amount: Decimal | None) -> RecipientDetail:
    """A new saved detail; the caller audits and commits."""
    detail = RecipientDetail(
        recipient=recipient, service_code=service.code, method_code=service.method,
        currency=currency, service_snapshot=service.to_snapshot(),
        fields_masked=mask_strictly(values), fields_encrypted=encrypt_fields(values),
        search_tail=search_tail(values), last_amount=amount)
    db.session.add(detail)
    return detail


def link_payout(payout: Payout, detail_id: int) -> bool:
    """Note that `payout` paid the saved detail (history, last amount). The caller commits."""
    detail = db.session.get(RecipientDetail, detail_id)
    if detail is None or db.session.get(RecipientPayout, payout.id) is not None:
        return False
    db.session.add(RecipientPayout(payout_id=payout.id, recipient_id=detail.recipient_id,
                                   detail_id=detail.id))
    detail.last_amount = payout.amount
    return True


def recipient_of(payout_id: int) -> Recipient | None:
    link = db.session.get(RecipientPayout, payout_id)
    return None if link is None else db.session.get(Recipient, link.recipient_id)


def history(recipient_id: int, user: User, limit: int = 100) -> list[Payout]:
    """The recipient's payouts the user may see, newest first."""
    return list(db.session.scalars(
        visible_payouts(user).join(RecipientPayout, RecipientPayout.payout_id == Payout.id)
        .where(RecipientPayout.recipient_id == recipient_id)
        .order_by(Payout.created_at.desc(), Payout.id.desc()).limit(limit)))


def totals(recipient_id: int, user: User) -> list[tuple[str, str, int, Decimal]]:
    """(currency, status, count, sum) over every visible payout to the recipient."""
    rows = db.session.execute(
        visible_payouts(user).join(RecipientPayout, RecipientPayout.payout_id == Payout.id)
        .where(RecipientPayout.recipient_id == recipient_id)
        .with_only_columns(Payout.currency, Payout.status, func.count(Payout.id),
                           func.sum(Payout.amount))
        .group_by(Payout.currency, Payout.status).order_by(Payout.currency, Payout.status))
    return [(c, s, n, Decimal(t or 0)) for c, s, n, t in rows]


def recipients_of(payout_ids: list[int]) -> dict[int, int]:
    """payout id → recipient id, for the payouts that paid a saved recipient."""
    if not payout_ids:
        return {}
    rows = db.session.execute(select(RecipientPayout.payout_id, RecipientPayout.recipient_id)
                              .where(RecipientPayout.payout_id.in_(payout_ids)))
    return {payout_id: recipient_id for payout_id, recipient_id in rows}


def link_payout_to_recipient(payout: Payout, recipient_id: int) -> None:
    """A copy of a payout that paid a saved recipient paid them too (their history)."""
    if db.session.get(RecipientPayout, payout.id) is None:
        db.session.add(RecipientPayout(payout_id=payout.id, recipient_id=recipient_id))
