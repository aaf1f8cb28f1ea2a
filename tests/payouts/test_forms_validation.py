"""Server-side validation of a built payout form: each field's regexp with the provider's
semantics (table-driven), required, the length cap, amount limits and precision, the RE2
fallback, the customer block, and provider 422 errors mapped back onto fields."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from babel import support
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms.i18n import messages_path

from webapp.new_payout.forms import PayoutFormBase, build_payout_form
from webapp.provider.types import PayoutService, ServiceField

DIGITS_15, WORDS_64 = r"^\d{1,15}$", r"^[A-Z\-\sa-z]{2,64}$"


def service(*fields: ServiceField, **attrs: Any) -> PayoutService:
    defaults: dict[str, Any] = {"code": "svc", "method": "m", "currency": "USD",
                                "amount_min": Decimal("0.01"), "amount_max": Decimal(9999999)}
    return PayoutService(fields=fields, **{**defaults, **attrs})


TEST_USD = service(
    ServiceField("account", label={"en": "Account"}, regexp=DIGITS_15, required=True, order=0),
    ServiceField("test_details_success_rate", label={"en": "Success rate (%)"},
                 regexp=DIGITS_15, order=1),
    ServiceField("test_details_payout_status", label={"en": "Expected status"},
                 regexp=WORDS_64, order=2),
    ServiceField("test_details_payout_resolution", label={"en": "Expected resolution"},
                 regexp=WORDS_64, order=3),
    code="test_usd",
)


def submit(app: Flask, svc: PayoutService, language: str = "en",
           **values: str) -> PayoutFormBase:
    """Validate a posted form the way the route does (CSRF is covered by the HTTP tests)."""
    data = {"currency": svc.currency if svc.exchange_rate is None else "USD",
            "amount": "10.00", "service": svc.code, "submission_token": str(uuid.uuid4()),
            **values}
    with app.test_request_context(method="POST", data=data,
                                  headers={"Accept-Language": language}):
        form = build_payout_form(svc, language)(formdata=MultiDict(data), meta={"csrf": False})
        form.validate()
        # Render the messages while the request (and its locale) is still there.
        form.rendered_errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    return form


FIELD_CASES = [
    ("account", "123456789012345", True),
    ("account", "0", True),
    ("account", " 42 ", True),  # surrounding spaces are trimmed before the check
    ("account", "1234567890123456", False),
    ("account", "12a", False),
    ("account", "-12", True),  # the pattern admits no dash: it is removed (and shown)
    ("account", "12 34", True),
    ("account", "١٢٣", False),  # \d is ASCII digits, as in PCRE without /u
    ("test_details_success_rate", "75", True),
    ("test_details_success_rate", "75%", False),
    ("test_details_payout_status", "processed", True),
    ("test_details_payout_status", "process failed", True),
    ("test_details_payout_status", "Cancel-pending", True),
    ("test_details_payout_status", "x", False),
    ("test_details_payout_status", "processed!", False),
    ("test_details_payout_status", "обработан", False),
    ("test_details_payout_resolution", "ok", True),
    ("test_details_payout_resolution", "INVALID_DETAILS", False),  # `_` is not in the class
    ("test_details_payout_resolution", "a" * 65, False),
]


@pytest.mark.parametrize(("key", "value", "valid"), FIELD_CASES)
def test_spec_sample_field_regexps(app: Flask, key: str, value: str, valid: bool) -> None:
    values = {"field__account": "1", f"field__{key}": value}
    form = submit(app, TEST_USD, **values)
    assert (f"field__{key}" not in form.errors) is valid, form.errors


UNANCHORED = service(ServiceField("wallet", regexp=r"[0-9]{5,100}", required=True))


@pytest.mark.parametrize(("value", "valid"), [
    ("ab12345", True), ("12345", True), ("x 98765 y", True), ("1234", False), ("abcde", False),
])
def test_unanchored_regexp_matches_anywhere(app: Flask, value: str, valid: bool) -> None:
    form = submit(app, UNANCHORED, field__wallet=value)
    assert ("field__wallet" not in form.errors) is valid


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_required_in_each_language(app: Flask, language: str) -> None:
    english = "This field is required."
    catalog = support.Translations.load(messages_path(), [language], domain="wtforms")
    expected = catalog.gettext(english)
    assert (expected == english) is (language == "en")
    form = submit(app, TEST_USD, language=language, field__account="  ")
    assert form.rendered_errors["field__account"] == [expected]
    assert set(form.errors) == {"field__account"}  # optional empty fields are fine


def test_length_cap_applies_without_a_pattern(app: Flask) -> None:
    svc = service(ServiceField("note"), ServiceField("loose", regexp=r"\d"))
    assert not submit(app, svc, field__note="n" * 256, field__loose="1" * 256).errors
    form = submit(app, svc, field__note="n" * 257, field__loose="1" * 257)
    assert set(form.errors) == {"field__note", "field__loose"}


def test_everything_typed_is_kept(app: Flask) -> None:
    form = submit(app, TEST_USD, field__account="12a", field__test_details_payout_status="ok",
                  customer_name="Ann <Lee>", customer_email="not-an-email")
    assert form.field__account.data == "12a"
    assert form.field__test_details_payout_status.data == "ok"
    assert form.customer_name.data == "Ann <Lee>"
    assert set(form.errors) == {"field__account", "customer_email"}


def test_re2_refused_pattern_falls_back_to_required_and_length(app: Flask) -> None:
    svc = service(ServiceField("code", regexp=r"^(\d)\1$", required=True))
    form = submit(app, svc, field__code="anything at all")
    assert not form.errors
    assert [s.key for s in form.recipient_fields if s.pattern_error] == ["code"]
    assert "field__code" in submit(app, svc, field__code="").errors
    assert "field__code" in submit(app, svc, field__code="x" * 257).errors


@pytest.mark.parametrize(("amount", "error"), [
    ("0.25", None),  # 10.38 UAH
    ("0.24", "Too small"),  # 9.96 UAH
    ("3613.97", None),  # 149979.76 UAH
    ("3614.47", "Too large"),  # 150000.51 UAH
    ("10.0012", "2 decimal"),
    ("10.001", "could mean 10001.00 or 10.001"),
    ("0", "greater than zero"),
    ("ten", "digits"),
])
def test_amount_limits_in_the_service_currency(app: Flask, amount: str,
                                               error: str | None) -> None:
    svc = service(code="card_uah", currency="UAH", exchange_rate=Decimal("41.5"),
                  amount_min=Decimal("10.00"), amount_max=Decimal("150000.00"))
    form = submit(app, svc, amount=amount)
    if error is None:
        assert not form.errors
    else:
        assert list(form.errors) == ["amount"]
        assert error in form.rendered_errors["amount"][0]


def test_limits_message_names_both_amounts(app: Flask) -> None:
    svc = service(code="card_uah", currency="UAH", exchange_rate=Decimal("41.5"),
                  amount_min=Decimal("10.00"), amount_max=Decimal("150000.00"))
    message = submit(app, svc, amount="0.20").rendered_errors["amount"][0]
    # Through the one money formatter (a no-break space keeps amount and currency together).
    assert "8.30\u00a0UAH" in message and "10.00\u00a0UAH" in message


def test_zero_decimal_currency(app: Flask) -> None:
    svc = service(code="jpy", currency="JPY", amount_min=Decimal(100), amount_max=Decimal(1000))
    assert not submit(app, svc, currency="JPY", amount="500").errors
    form = submit(app, svc, currency="JPY", amount="500.5")
    assert "no fractional" in form.rendered_errors["amount"][0]


@pytest.mark.parametrize(("values", "field"), [
    ({"service": "other"}, "service"),
    ({"currency": "usd;"}, "currency"),  # any code the pre-request knows, but a code
    ({"submission_token": "not-a-uuid"}, "submission_token"),
    ({"customer_email": "ann@"}, "customer_email"),
    ({"customer_phone": "call me"}, "customer_phone"),
    ({"customer_reference_id": "has spaces"}, "customer_reference_id"),
    ({"customer_name": "n" * 256}, "customer_name"),
    ({"description": "d" * 1025}, "description"),
])
def test_base_fields_are_checked(app: Flask, values: dict[str, str], field: str) -> None:
    form = submit(app, TEST_USD, field__account="1", **values)
    assert list(form.errors) == [field]


def test_customer_block_accepts_good_values(app: Flask) -> None:
    form = submit(app, TEST_USD, field__account="1", customer_reference_id="cust-42",
                  customer_name="Олена Ковальчук", customer_email="olena@example.com",
                  customer_phone="+380 (44) 123-45-67", description="Invoice 7")
    assert not form.errors
    assert form.recipient_values() == {"account": "1"}  # empty optional fields are not sent


def test_provider_errors_land_on_their_fields(app: Flask) -> None:
    form = submit(app, TEST_USD, field__account="1")
    with app.test_request_context():
        form.apply_provider_errors({"account": "Account is closed.",
                                    "amount": "This value is not valid.",
                                    "customer.email": "Bad email.",
                                    "__all__": "Something else."})
        assert "Account is closed." in str(form.field__account.errors[0])
        assert "This value is not valid." in str(form.amount.errors[0])
        assert "Bad email." in str(form.customer_email.errors[0])
        assert ["Something else." in str(e) for e in form.form_errors] == [True]
