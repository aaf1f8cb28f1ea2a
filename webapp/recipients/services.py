"""Changes to the recipient book, each audited in the same transaction (webapp/audit.py).
Audit details name what changed, never a payment detail's value."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from webapp.audit import record
from webapp.extensions import db
from webapp.models import Payout, Recipient, RecipientDetail, RecipientPayout, User
from webapp.payout_core.secrets import decrypt_fields
from webapp.provider.types import PayoutService
from webapp.recipients.book import by_reference, store_detail

PERSON_FIELDS = ("name", "email", "phone", "reference")


class ReferenceTaken(Exception):
    """Another recipient already has this reference."""


def _target(recipient: Recipient) -> str:
    return f"recipient:{recipient.id}"


def create_recipient(values: dict[str, str | None], user: User) -> Recipient:
    recipient = Recipient(created_by_id=user.id, **{k: values.get(k) or None
                                                    for k in PERSON_FIELDS})
    db.session.add(recipient)
    _flush_or_taken()
    record("recipient.created", actor=user, target=_target(recipient),
           details={"name": recipient.name, "reference": recipient.reference})
    db.session.commit()
    return recipient


def update_recipient(recipient: Recipient, values: dict[str, str | None], user: User) -> None:
    changed = {}
    for key in PERSON_FIELDS:
        new = values.get(key) or None
        if getattr(recipient, key) != new:
            changed[key] = {"from": getattr(recipient, key), "to": new}
            setattr(recipient, key, new)
    if not changed:
        return
    _flush_or_taken()
    record("recipient.updated", actor=user, target=_target(recipient), details=changed)
    db.session.commit()


def _flush_or_taken() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ReferenceTaken from exc


def add_detail(recipient: Recipient, service: PayoutService, currency: str,
               values: dict[str, str], amount: Decimal | None, user: User) -> RecipientDetail:
    detail = store_detail(recipient, service, currency, values, amount)
    db.session.flush()
    record("recipient.detail_added", actor=user, target=_target(recipient), details={
        "detail": detail.id, "service": service.code, "currency": currency,
        "fields": sorted(values)})
    db.session.commit()
    return detail


def remove_detail(detail: RecipientDetail, user: User) -> None:
    recipient = detail.recipient
    record("recipient.detail_removed", actor=user, target=_target(recipient),
           details={"detail": detail.id, "service": detail.service_code})
    db.session.delete(detail)
    db.session.commit()


def set_archived(recipient: Recipient, archived: bool, user: User) -> None:
    if recipient.archived == archived:
        return
    recipient.archived = archived
    record("recipient.archived" if archived else "recipient.restored", actor=user,
           target=_target(recipient))
    db.session.commit()


def details_viewed(recipient: Recipient, user: User) -> None:
    """Full payment details were shown: who looked is on record."""
    record("recipient.details_viewed", actor=user, target=_target(recipient))
    db.session.commit()


def save_from_payout(payout: Payout, user: User) -> Recipient:
    """"Save recipient" on a payout: its customer and its service's field values. A recipient
    with the payout's customer reference gets the details added; otherwise a new one."""
    reference = (payout.customer_reference_id or "")[:64] or None
    recipient = by_reference(reference, include_archived=True) if reference else None
    if recipient is not None and recipient.archived:  # paid again: back in the book
        recipient.archived = False
        record("recipient.restored", actor=user, target=_target(recipient),
               details={"from_payout": payout.id})
    if recipient is None:
        name = payout.customer_name or next(iter(payout.fields_masked.values()), "") or "—"
        recipient = Recipient(created_by_id=user.id, name=name[:255], reference=reference,
                              email=payout.customer_email, phone=payout.customer_phone)
        db.session.add(recipient)
        db.session.flush()
        record("recipient.created", actor=user, target=_target(recipient),
               details={"name": recipient.name, "reference": reference,
                        "from_payout": payout.id})
    service = PayoutService.from_snapshot(payout.service_snapshot)
    detail = store_detail(recipient, service, payout.currency,
                          decrypt_fields(payout.fields_encrypted) if payout.fields_encrypted
                          else {}, payout.amount)
    db.session.flush()
    if db.session.get(RecipientPayout, payout.id) is None:
        db.session.add(RecipientPayout(payout_id=payout.id, recipient_id=recipient.id,
                                       detail_id=detail.id))
    record("recipient.detail_added", actor=user, target=_target(recipient), details={
        "detail": detail.id, "service": service.code, "currency": payout.currency,
        "from_payout": payout.id})
    db.session.commit()
    return recipient
