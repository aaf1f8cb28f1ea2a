"""Every row is validated by the single-payout form itself (`build_payout_form`): the same
required, RE2 provider-regexp, length, amount-precision and limit rules, built once per batch.
On top of that, a row repeating an earlier row's recipient and amount is a duplicate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, format_date
from werkzeug.datastructures import MultiDict

from webapp.batches.columns import Column, columns_for
from webapp.lazy_text import lazy_gettext as _l
from webapp.new_payout.forms import PayoutFormBase, build_payout_form
from webapp.payout_core.recipient_digest import recipient_digest
from webapp.provider.types import PayoutService

CODED_MESSAGES = {
    "duplicate": _l("Same recipient and amount as row %(row)s."),
    "duplicate_payout": _l("Same recipient and amount as payout %(id)s of %(date)s."),
    "duplicate_batch_row": _l("Same recipient and amount as row %(row)s of batch %(batch)s."),
    "saved_recipient_unknown": _l("No saved recipient %(reference)s with details for this "
                                  "service and currency."),
}


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """`force_locale` for our messages and WTForms' own ones (webapp/form_translations.py
    picks WTForms' catalog at each message, so "This field is required." follows too)."""
    with force_locale(language):
        yield


def coded_message(code: str, params: Mapping[str, object]) -> str:
    values = dict(params)
    if isinstance(values.get("date"), str):  # stored as an ISO date, shown in the locale
        values["date"] = format_date(date.fromisoformat(str(values["date"])))
    return str(CODED_MESSAGES[code]) % values
# The form wants a one-time token; a batch row's real token is made when its payout is.
_FORM_TOKEN = "00000000-0000-4000-8000-000000000000"  # noqa: S105 (not a secret)


@dataclass
class RowResult:
    row_number: int
    values: dict[str, str]  # column key → text as read
    errors: list[dict[str, str]] = field(default_factory=list)
    amount: Decimal | None = None
    fields: dict[str, str] = field(default_factory=dict)  # provider key → value
    customer: dict[str, str | None] = field(default_factory=dict)
    digest: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def add_error(self, column: str, message: object) -> None:
        self.errors.append({"column": column, "message": str(message)})

    def add_coded(self, code: str, **params: object) -> None:
        """An error of ours, stored as a code with parameters; worded when shown
        (`error_message`). `message` keeps the uploader's wording for files and old readers."""
        self.errors.append({"column": "", "code": code, **params,
                            "message": coded_message(code, params)})


@dataclass
class ValidationReport:
    columns: list[Column]
    rows: list[RowResult]

    @property
    def valid_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.valid]

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.valid]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.valid_rows if r.amount is not None), Decimal(0))


def validate_rows(service: PayoutService, rows: Sequence[Mapping[str, str]], language: str,
                  currency: str | None = None,
                  row_numbers: Sequence[int] | None = None) -> ValidationReport:
    """Validate `rows` (column key → text, keys as in `columns_for`) with the payout form of
    `service`; messages in `language`. Needs an app context."""
    currency = currency or service.currency
    form_class = build_payout_form(service, language)
    columns = columns_for(service, language, form_class)
    numbers = row_numbers or range(2, len(rows) + 2)  # row 1 is the header
    results = []
    seen: dict[str, int] = {}
    with in_language(language):
        for number, row in zip(numbers, rows, strict=True):
            result = _validate_one(form_class, columns, service, currency, number, row)
            if result.digest is not None:
                first = seen.setdefault(result.digest, number)
                if first != number:
                    result.add_coded("duplicate", row=first)
            results.append(result)
    _translate_errors(form_class, columns, service, currency, numbers, rows, results, language)
    return ValidationReport(columns=columns, rows=results)


def _translate_errors(form_class: type[PayoutFormBase], columns: list[Column],
                      service: PayoutService, currency: str, numbers: Sequence[int],
                      rows: Sequence[Mapping[str, str]], results: list[RowResult],
                      language: str) -> None:
    """The form's messages of rows with errors, in every language the desk speaks, so that a
    batch uploaded in Russian reads in Ukrainian for a Ukrainian manager (`messages`). Only
    rows with errors are validated again, once per other language."""
    others = [lang for lang in current_app.config["LANGUAGES"] if lang != language]
    for number, row, result in zip(numbers, rows, results, strict=True):
        if not any("code" not in error for error in result.errors):
            continue
        for error in result.errors:
            error.setdefault("messages", {})[language] = error["message"]
        for other in others:
            with in_language(other):
                again = _validate_one(form_class, columns, service, currency, number, row)
            form_errors = [e for e in result.errors if "code" not in e]
            if len(again.errors) != len(form_errors):
                continue  # a message that depends on the language's own parsing: keep ours
            for error, translated in zip(form_errors, again.errors, strict=True):
                error["messages"][other] = translated["message"]


def error_message(error: Mapping[str, object], language: str) -> str:
    """One stored row error in `language`: from its code, else the form's message in that
    language, else as it was stored (the uploader's language)."""
    code = error.get("code")
    if isinstance(code, str) and code in CODED_MESSAGES:
        with force_locale(language):
            return coded_message(code, {k: v for k, v in error.items()
                                        if k not in {"code", "column", "message", "messages"}})
    messages = error.get("messages")
    if isinstance(messages, dict) and messages.get(language):
        return str(messages[language])
    return str(error.get("message", ""))


def _validate_one(form_class: type[PayoutFormBase], columns: list[Column],
                  service: PayoutService, currency: str, number: int,
                  row: Mapping[str, str]) -> RowResult:
    values = {c.key: (row.get(c.key) or "") for c in columns}
    data = MultiDict({c.form_name: values[c.key] for c in columns})
    data.update({"currency": currency, "service": service.code, "submission_token": _FORM_TOKEN})
    form = form_class(formdata=data, meta={"csrf": False})
    result = RowResult(row_number=number, values=values)
    if not form.validate():
        by_name = {c.form_name: c.key for c in columns}
        for name, messages in form.errors.items():
            column = by_name.get(name or "", "") if name else ""
            for message in messages:
                result.add_error(column, message)
        return result
    result.amount = form.amount_value()
    result.fields = form.recipient_values()
    result.customer = {
        "customer_reference_id": form.customer_reference_id.data or None,
        "customer_name": form.customer_name.data or None,
        "customer_email": form.customer_email.data or None,
        "customer_phone": form.customer_phone.data or None,
        "description": form.description.data or None,
    }
    result.digest = recipient_digest(service.code, currency, result.fields, result.amount)
    return result
