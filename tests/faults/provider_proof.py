"""Provider-side proof: what the provider holds and heard, set against the payouts the desk holds.

Counts come from the sandbox, never from per-reference figures the provider already constrains
(it refuses a second invoice for a known reference, so "invoices per reference" is always ≤ 1).
Every invoice at the provider must be the invoice of exactly one desk payout; a payout the
provider refused to create has none; each approved payout's invoice heard exactly one process
request; no other invoice heard any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus

S = PayoutStatus


@dataclass(frozen=True)
class ProviderProof:
    provider_invoices: int  # every invoice the provider holds
    desk_invoices: int  # desk payouts holding an invoice id
    orphan_invoices: int  # invoices at the provider no desk payout holds (duplicates)
    not_created_with_invoice: int  # payouts the desk thinks were never created, yet exist there
    create_requests: int  # all create requests the provider received
    max_creates_per_payout: int  # most create requests for one desk payout's reference
    approved: int  # desk payouts approved (an approver is recorded)
    process_calls: int  # process requests that reached the provider, all invoices
    approved_not_once: dict[int, int] = field(default_factory=dict)  # payout id → calls ≠ 1
    unapproved_process_calls: int = 0  # calls for invoices of payouts nobody approved

    @property
    def duplicates(self) -> int:
        return self.orphan_invoices

    def problems(self, *, approved_must_be_sent: bool = True) -> list[str]:
        found = []
        if self.orphan_invoices:
            found.append(f"{self.orphan_invoices} invoice(s) at the provider no payout holds")
        if self.provider_invoices != self.desk_invoices + self.orphan_invoices:
            found.append("two payouts claim one invoice")
        if self.not_created_with_invoice:
            found.append(f"{self.not_created_with_invoice} 'not created' payout(s) exist there")
        wrong = {pid: n for pid, n in self.approved_not_once.items()
                 if n > 1 or approved_must_be_sent}
        if wrong:
            found.append(f"process calls per approved payout ≠ 1: {wrong}")
        if self.unapproved_process_calls:
            found.append(f"{self.unapproved_process_calls} process call(s) nobody approved")
        return found


def prove(sandbox) -> ProviderProof:
    totals = sandbox.state.provider_totals()
    invoice_refs: dict[str, str] = totals["invoice_ids"]
    reached: dict[str, int] = totals["process_reached"]
    creates: dict[str, int] = totals["create_requests"]
    db.session.expire_all()
    rows = db.session.execute(select(Payout.id, Payout.reference_id, Payout.provider_invoice_id,
                                     Payout.status, Payout.approved_by_id)).all()
    held = Counter(invoice for _, _, invoice, _, _ in rows if invoice)
    refs_at_provider = set(invoice_refs.values())
    approved = {pid: invoice for pid, _, invoice, _, approver in rows if approver is not None}
    approved_calls = {pid: reached.get(invoice or "", 0) for pid, invoice in approved.items()}
    approved_invoices = {invoice for invoice in approved.values() if invoice}
    return ProviderProof(
        provider_invoices=len(invoice_refs),
        desk_invoices=sum(held.values()),
        orphan_invoices=sum(1 for invoice in invoice_refs if invoice not in held),
        not_created_with_invoice=sum(
            1 for _, ref, _, status, _ in rows
            if status == S.FAILED_TO_CREATE and ref in refs_at_provider),
        create_requests=sum(creates.values()),
        max_creates_per_payout=max((creates.get(ref, 0) for _, ref, _, _, _ in rows),
                                   default=0),
        approved=len(approved),
        process_calls=sum(reached.values()),
        approved_not_once={pid: n for pid, n in approved_calls.items() if n != 1},
        unapproved_process_calls=sum(n for invoice, n in reached.items()
                                     if invoice not in approved_invoices),
    )
