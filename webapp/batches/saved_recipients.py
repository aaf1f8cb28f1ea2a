"""Batch rows that name a saved recipient (the `saved_recipient` column, the recipient's
reference) instead of repeating their details: the recipient's saved values for the batch's
service fill the empty cells, then the row is validated like any other against the service's
current schema, so a value that no longer fits is refused, never sent stale."""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from webapp.batches.columns import SAVED_RECIPIENT, Column
from webapp.payout_core.secrets import decrypt_fields
from webapp.provider.types import PayoutService
from webapp.recipients.book import by_reference

CUSTOMER = {"customer_reference_id": "reference", "customer_name": "name",
            "customer_email": "email", "customer_phone": "phone"}


def fill_saved_recipients(rows: Sequence[MutableMapping[str, str]], columns: list[Column],
                          service: PayoutService, currency: str) -> dict[int, str]:
    """Fill rows in place; returns row index → the reference no saved detail answered."""
    unknown: dict[int, str] = {}
    known: dict[str, tuple[dict[str, str], dict[str, str]] | None] = {}
    for index, row in enumerate(rows):
        reference = (row.get(SAVED_RECIPIENT) or "").strip()
        if not reference:
            continue
        if reference not in known:
            known[reference] = _saved(reference[:64], service, currency)
        found = known[reference]
        if found is None:
            unknown[index] = reference
            continue
        fields, customer = found
        for column in columns:
            if column.provider_key and not (row.get(column.key) or "").strip():
                row[column.key] = fields.get(column.provider_key, "")
        for key, value in customer.items():
            if not (row.get(key) or "").strip():
                row[key] = value
    return unknown


def _saved(reference: str, service: PayoutService, currency: str
           ) -> tuple[dict[str, str], dict[str, str]] | None:
    recipient = by_reference(reference)
    if recipient is None:
        return None
    details = [d for d in recipient.details
               if d.service_code == service.code and d.currency == currency]
    if not details:
        return None
    fields = decrypt_fields(details[-1].fields_encrypted)
    customer = {key: getattr(recipient, attr) or "" for key, attr in CUSTOMER.items()}
    return fields, {k: v for k, v in customer.items() if v}
