"""The columns of a batch file for one service: its recipient fields (in the form's order),
then amount, the customer block and description. A header reads "Label (key)"; on upload the
key decides, so a file filled in another language (or with bare keys) is read the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import force_locale

from webapp.lazy_text import lazy_gettext as _l
from webapp.new_payout.forms import PayoutFormBase, build_payout_form
from webapp.provider.types import PayoutService

# Our own columns: column key → form field name, with their headers.
OWN_COLUMNS = {
    "amount": ("amount", _l("Amount")),
    "customer_reference_id": ("customer_reference_id", _l("Recipient reference")),
    "customer_name": ("customer_name", _l("Recipient name")),
    "customer_email": ("customer_email", _l("Recipient email")),
    "customer_phone": ("customer_phone", _l("Recipient phone")),
    "description": ("description", _l("Description")),
    # A saved recipient's reference: their saved details fill the row (saved_recipients.py).
    "saved_recipient": ("saved_recipient", _l("Saved recipient")),
}
SAVED_RECIPIENT = "saved_recipient"
FIELD_COLUMN_PREFIX = "field."  # only for a provider key that clashes with one of ours
_KEY_IN_HEADER = re.compile(r"\(([^()]{1,128})\)\s*$")


@dataclass(frozen=True)
class Column:
    key: str  # as written in the header's parentheses
    form_name: str  # the payout form's field name it fills
    label: str
    required: bool
    provider_key: str | None = None  # set for recipient fields

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"


def columns_for(service: PayoutService, language: str,
                form_class: type[PayoutFormBase] | None = None) -> list[Column]:
    """Every column of the template, labelled in `language`."""
    form_class = form_class or build_payout_form(service, language)
    columns = []
    for spec in form_class.recipient_fields:
        key = FIELD_COLUMN_PREFIX + spec.key if spec.key in OWN_COLUMNS else spec.key
        columns.append(Column(key, spec.name, spec.label, spec.required, spec.key))
    with force_locale(language):
        for key, (form_name, label) in OWN_COLUMNS.items():
            columns.append(Column(key, form_name, str(label), key == "amount"))
    return columns


def match_headers(headers: list[str], columns: list[Column]) -> tuple[dict[int, Column],
                                                                       list[str]]:
    """Position in the file → column, and the headers we did not recognise."""
    by_key = {c.key.casefold(): c for c in columns}
    by_label = {c.label.strip().casefold(): c for c in columns}
    found: dict[int, Column] = {}
    unknown: list[str] = []
    for index, raw in enumerate(headers):
        text = (raw or "").strip()
        if not text:
            continue
        match = _KEY_IN_HEADER.search(text)
        column = by_key.get(match.group(1).strip().casefold()) if match else None
        column = column or by_key.get(text.casefold()) or by_label.get(text.casefold())
        if column is None or column in found.values():
            unknown.append(text)
        else:
            found[index] = column
    return found, unknown


def rows_for_columns(headers: list[str], rows: list[tuple[int, list[str]]],
                     columns: list[Column]) -> tuple[list[int], list[dict[str, str]],
                                                     list[Column], list[str]]:
    """(row numbers, rows as column key → text, required columns missing, unknown headers)."""
    found, unknown = match_headers(headers, columns)
    present = set(found.values())
    missing = [c for c in columns if c.required and c not in present]
    numbers, mapped = [], []
    for number, cells in rows:
        numbers.append(number)
        mapped.append({column.key: cells[i] for i, column in found.items() if i < len(cells)})
    return numbers, mapped, missing, unknown
