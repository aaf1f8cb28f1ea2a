"""The new-payout forms. The recipient part is not known until the provider names a service's
fields, so `build_payout_form` makes a fresh form class per service per request (its inputs are
built once per field list and language); nothing is ever set on a shared class. WTForms
validates everything the browser sent, whatever the browser did.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    UUID,
    Email,
    InputRequired,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from webapp.formatting import format_money
from webapp.lazy_text import lazy_gettext as _l
from webapp.payout_core.account_services import FALLBACK_CURRENCIES
from webapp.payout_core.fields import (
    FIELD_PREFIX,
    RecipientField,
    TextLength,
    recipient_field,
    strip,
)
from webapp.payout_core.money import AmountError, check_limits, parse_amount
from webapp.provider.types import PayoutService, ServiceField

# Offered when the provider's service list cannot be read (see account_services.py).
CURRENCIES = FALLBACK_CURRENCIES
CURRENCY_CODE = r"^[A-Z0-9]{2,8}$"  # the pre-request decides whether the account pays in it
MAX_AMOUNT_TEXT = 32


class AmountText:
    """The amount parses strictly with the precision of the form's `currency` field."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            parse_amount(field.data, form.currency.data or "")
        except AmountError as exc:
            raise StopValidation(str(exc.message)) from exc


class StartForm(FlaskForm):
    """Step 1 (a GET form): currency, amount and optionally the chosen service."""

    class Meta:
        csrf = False  # a read: it only lists services

    currency = SelectField(_l("Currency"), choices=list(CURRENCIES),
                           validators=[InputRequired()])
    amount = StringField(
        _l("Amount"), filters=[strip],
        validators=[InputRequired(), TextLength(MAX_AMOUNT_TEXT), AmountText()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"},
    )
    service = HiddenField(filters=[strip], validators=[Optional(), TextLength(128)])

    def amount_value(self) -> Decimal:
        """The parsed amount; call after `validate()` succeeded."""
        return parse_amount(self.amount.data, self.currency.data or "")


class PayoutFormBase(FlaskForm):
    """What every payout form has: the target (hidden, re-checked), a one-time token, and the
    customer block that goes into the invoice's `customer` and `description`."""

    payout_service: ClassVar[PayoutService]
    recipient_fields: ClassVar[tuple[RecipientField, ...]] = ()

    currency = HiddenField(filters=[strip], validators=[InputRequired(), Regexp(CURRENCY_CODE)])
    amount = StringField(
        _l("Amount"), filters=[strip],
        validators=[InputRequired(), TextLength(MAX_AMOUNT_TEXT), AmountText()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"},
    )
    service = HiddenField(filters=[strip], validators=[InputRequired(), TextLength(128)])
    submission_token = HiddenField(validators=[InputRequired(), UUID()])

    customer_reference_id = StringField(
        _l("Recipient reference"), filters=[strip],
        validators=[Optional(), TextLength(64),
                    Regexp(r"^[A-Za-z0-9._:\-]+$",
                           message=_l("Use letters, digits and . _ : - only."))],
        description=_l("Your id for this recipient. Left empty, one is generated."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    customer_name = StringField(_l("Recipient name"), filters=[strip],
                                validators=[Optional(), TextLength(255)],
                                render_kw={"autocomplete": "off"})
    customer_email = StringField(
        _l("Recipient email"), filters=[strip],
        validators=[Optional(), TextLength(255), Email()],
        render_kw={"inputmode": "email", "autocomplete": "off", "spellcheck": "false"},
    )
    customer_phone = StringField(
        _l("Recipient phone"), filters=[strip],
        validators=[Optional(), TextLength(32),
                    Regexp(r"^\+?[0-9][0-9 ()\-]{4,31}$",
                           message=_l("Digits, optionally starting with +."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    description = TextAreaField(_l("Description"), filters=[strip],
                                validators=[Optional(), TextLength(1024)],
                                render_kw={"rows": 2})
    # Asked for only when the payout repeats a recent or queued one (see duplicates.py).
    confirm_duplicate = BooleanField(_l("I checked: this is not a duplicate, create it anyway"))
    duplicate_reason = StringField(_l("Why it is not a duplicate"), filters=[strip],
                                   validators=[Optional(), TextLength(500)],
                                   render_kw={"autocomplete": "off"})
    # Where the values came from (webapp/new_payout/prefill.py): a saved recipient's detail, or
    # the payout this one copies ("again" or "fix"). Re-checked when the payout is created.
    saved_detail = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,12}$")])
    copy_of = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,12}$")])
    copy_kind = HiddenField(validators=[Optional(), Regexp(r"^(again|fix)$")])

    def validate_service(self, field: Field) -> None:
        if field.data != self.payout_service.code:
            raise ValidationError(_l("The chosen service does not match this form."))

    def validate_amount(self, field: Field) -> None:
        """Limits are in the service's currency: convert with its rate, then compare."""
        if field.errors:
            return
        service = self.payout_service
        check = check_limits(self.amount_value(), service.currency, service.exchange_rate,
                             service.amount_min, service.amount_max)
        if check.too_small:
            raise ValidationError(_l(
                "Too small for this service: %(amount)s, the minimum is %(limit)s.",
                amount=format_money(check.service_amount, service.currency),
                limit=format_money(service.amount_min, service.currency)))
        if check.too_large:
            raise ValidationError(_l(
                "Too large for this service: %(amount)s, the maximum is %(limit)s.",
                amount=format_money(check.service_amount, service.currency),
                limit=format_money(service.amount_max, service.currency)))

    def amount_value(self) -> Decimal:
        return parse_amount(self.amount.data, self.currency.data or "")

    def recipient_values(self) -> dict[str, str]:
        """Provider field key → value, for the fields the operator filled in."""
        values = {}
        for spec in self.recipient_fields:
            value = self[spec.name].data
            if value:
                values[spec.key] = value
        return values

    def apply_provider_errors(self, errors: dict[str, str]) -> None:
        """Put a provider 422's messages on the fields they name; the rest above the form."""
        targets = {spec.key: spec.name for spec in self.recipient_fields}
        for key, message in errors.items():
            name = targets.get(key) or _own_field_name(key)
            text = _l("The provider refused this: %(message)s", message=message)
            if name is not None and name in self:
                self[name].errors = [*self[name].errors, text]
            else:
                self.form_errors.append(text)


def _own_field_name(key: str) -> str | None:
    """`amount`, `currency`, `description`, `customer.email` → our field names."""
    if key in {"amount", "currency", "description"}:
        return key
    if key.startswith("customer."):
        return "customer_" + key.removeprefix("customer.")
    return None


def build_payout_form(service: PayoutService, language: str) -> type[PayoutFormBase]:
    """A new form class for `service`: one input per provider field, in the provider's order
    (position/weight, then as received), labelled in `language`."""
    fields_key = json.dumps([f.to_dict() for f in service.fields], sort_keys=True, default=str)
    specs, unbound = _recipient_inputs(fields_key, language, str(get_locale() or language))
    attrs: dict[str, Any] = {"payout_service": service, "recipient_fields": specs, **unbound}
    name = "PayoutForm_" + "".join(c if c.isalnum() else "_" for c in service.code)[:60]
    return type(name, (PayoutFormBase,), attrs)


@lru_cache(maxsize=256)
def _recipient_inputs(fields_key: str, language: str, _locale: str
                      ) -> tuple[tuple[RecipientField, ...], dict[str, Any]]:
    """The recipient inputs of one list of provider fields in one language, built once: their
    pattern descriptions and validators were a tenth of each form post. Unbound fields are
    templates (each form instance binds its own), so classes may share them. The locale is in
    the key because the pattern words are written in it."""
    provider_fields = [ServiceField.from_dict(data) for data in json.loads(fields_key)]
    specs: list[RecipientField] = []
    unbound: dict[str, Any] = {}
    # A stable sort: fields on the same position keep the order they were received in.
    ordered = sorted(provider_fields, key=lambda f: (f.position, f.order))
    for index, provider_field in enumerate(ordered):
        if any(spec.key == provider_field.key for spec in specs):
            continue  # a repeated key: the first one wins, as a form can post a name once
        spec, field = recipient_field(provider_field, language, index)
        specs.append(spec)
        unbound[spec.name] = field
    return tuple(specs), unbound


__all__ = ["CURRENCIES", "FIELD_PREFIX", "PayoutFormBase", "StartForm", "build_payout_form"]
