"""A new payout started from something saved: a recipient book entry (`?saved=`), a payout to
pay again (`?again=`) or a rejected or failed payout to fix and resend (`?fix=`).

The saved values fill the form of the service as the provider describes it *now*; what drifted
since (a field added or removed, a pattern changed, a value the current pattern refuses) is shown
beside the fields (webapp/payout_core/drift.py), and a removed field's value is never sent.
The copy is a new payout: a new submission token and reference, created by whoever submits it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.models import Payout, PayoutApproval, PayoutCopy, User
from webapp.models.status import ENDED_UNPAID
from webapp.payout_core.drift import FieldDrift, compare, current_values
from webapp.payout_core.money import canonical_text
from webapp.payout_core.scope import visible_payout_or_404, visible_payouts
from webapp.payout_core.secrets import decrypt_fields
from webapp.payout_core.timeline import add_event
from webapp.provider.types import PayoutService
from webapp.query_args import bounded_int
from webapp.recipients import book

SOURCES = ("saved", "again", "fix")
FIXABLE = frozenset(ENDED_UNPAID)  # rejected, failed to create, failed


@dataclass
class Prefill:
    source: str  # one of SOURCES
    source_id: int
    currency: str
    amount: Decimal | None
    service: PayoutService  # as saved (the drift is measured against it)
    values: dict[str, str]
    customer: dict[str, str | None]
    recipient_name: str | None = None
    original: Payout | None = None
    drift: list[FieldDrift] = field(default_factory=list)
    service_gone: bool = False  # the saved service is not offered now

    def start_args(self, args: MultiDict[str, str]) -> MultiDict[str, str]:
        """The step-1 query with what the prefill knows filled in where the URL says nothing."""
        merged = MultiDict(args)
        merged.setdefault("currency", self.currency)
        if self.amount is not None:
            merged.setdefault("amount", canonical_text(self.amount))
        merged.setdefault("service", self.service.code)
        return merged

    def form_data(self, current: PayoutService, prefix: str) -> dict[str, Any]:
        """Field values for the current schema, the customer block and the hidden links."""
        self.drift = compare(self.service, current, self.values)
        data: dict[str, Any] = {prefix + k: v for k, v in
                                current_values(current, self.values).items()}
        data.update({k: v for k, v in self.customer.items() if v})
        if self.source == "saved":
            data["saved_detail"] = str(self.source_id)
        else:
            data["copy_of"] = str(self.source_id)
            data["copy_kind"] = self.source
        return data

    def drift_for(self, key: str) -> list[str]:
        return [d.kind.value for d in self.drift if d.key == key]

    @property
    def removed(self) -> list[FieldDrift]:
        return [d for d in self.drift if d.kind == "removed"]


def from_args(args: MultiDict[str, str], user: User) -> Prefill | None:
    """The prefill the query names, or None. A payout the user may not see is a 404; fixing
    one that has not ended unpaid is a 409."""
    for source in SOURCES:
        raw = args.get(source, "")
        if not raw:
            continue
        row_id = _row_id(raw)
        if row_id is None:  # not an id a row can have (2^31 and up reached the database)
            abort(404)
        if source == "saved":
            return _from_saved(row_id)
        return _from_payout(visible_payout_or_404(user, row_id), source)
    return None


def _row_id(raw: str | None) -> int | None:
    """A row id from a query or form value, or None when no row can have it."""
    try:
        return bounded_int(raw) if raw else None
    except ValueError:
        return None


def _from_saved(detail_id: int) -> Prefill:
    saved = book.saved_detail(detail_id)
    if saved is None:
        abort(404)
    return Prefill(
        source="saved", source_id=saved.detail_id, currency=saved.currency,
        amount=saved.last_amount, service=saved.service, values=saved.values,
        customer={"customer_reference_id": saved.reference, "customer_name": saved.name,
                  "customer_email": saved.email, "customer_phone": saved.phone},
        recipient_name=saved.name)


def _from_payout(original: Payout, source: str) -> Prefill:
    if source == "fix" and original.status_enum not in FIXABLE:
        abort(409)
    return Prefill(
        source=source, source_id=original.id, currency=original.currency,
        amount=original.amount, service=PayoutService.from_snapshot(original.service_snapshot),
        values=decrypt_fields(original.fields_encrypted),
        customer={"customer_reference_id": original.customer_reference_id,
                  "customer_name": original.customer_name,
                  "customer_email": original.customer_email,
                  "customer_phone": original.customer_phone,
                  "description": original.description},
        recipient_name=original.customer_name, original=original)


def original_approvers(original: Payout) -> list[int]:
    ids = set(db.session.scalars(db.select(PayoutApproval.user_id).where(
        PayoutApproval.payout_id == original.id)))
    if original.approved_by_id is not None:
        ids.add(original.approved_by_id)
    return sorted(ids)


def record_links(payout: Payout, user: User, *, saved_detail: str | None,
                 copy_of: str | None, copy_kind: str | None) -> None:
    """After a create: the history link to the saved recipient, and for a copy its lineage
    on both timelines (the original's creator and approvers by id). The caller commits."""
    detail_id = _row_id(saved_detail)
    if detail_id is not None:
        book.link_payout(payout, detail_id)
    original_id = _row_id(copy_of)
    if original_id is None or copy_kind not in ("again", "fix"):
        return
    # Runs in the commit that stores the payout: a forged or stale link is ignored (never an
    # error, which would stop the create).
    original = db.session.scalar(visible_payouts(user).where(Payout.id == original_id))
    if original is None or original.id == payout.id or db.session.get(
            PayoutCopy, payout.id) is not None:
        return
    if copy_kind == "fix" and original.status_enum not in FIXABLE:
        return
    db.session.add(PayoutCopy(copy_id=payout.id, original_id=original.id,
                              original_creator_id=original.created_by_id, kind=copy_kind))
    approvers = original_approvers(original)
    add_event(payout, f"copy_{copy_kind}_of", actor_id=user.id, payout_id=original.id,
              original_creator_id=original.created_by_id, original_approver_ids=approvers,
              original_rejected_by_id=original.rejected_by_id)
    add_event(original, f"copied_{copy_kind}", actor_id=user.id, payout_id=payout.id)
    linked = book.recipient_of(original.id)
    if linked is not None and book.recipient_of(payout.id) is None:
        book.link_payout_to_recipient(payout, linked.id)


__all__ = ["FIXABLE", "Prefill", "from_args", "record_links"]
