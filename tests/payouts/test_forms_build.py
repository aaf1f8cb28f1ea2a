"""Building the recipient form from a service: the spec's sample and every sandbox service, in
the three languages, in the provider's order, with fallbacks, escaping and input hints."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from webapp.new_payout.forms import PayoutFormBase, build_payout_form
from webapp.payout_core.prerequest import clear_cache, fetch_prerequest
from webapp.provider.types import PayoutService, ServiceField
from webapp.sandbox import SandboxServer
from webapp.sandbox.catalogue_data import SERVICES

LANGUAGES = ("en", "ru", "uk")


def spec_test_usd() -> PayoutService:
    """The spec's sample service, as the client hands it over (regexps unescaped once)."""

    def texts(ru: str, en: str, uk: str) -> dict[str, str]:
        return {"ru": ru, "en": en, "uk": uk}

    digits, words = r"^\d{1,15}$", r"^[A-Z\-\sa-z]{2,64}$"
    fields = (
        ServiceField("account", label=texts("Аккаунт", "Account", "Акаунт"),
                     hint=texts("Аккаунт", "Account", "Акаунт"), regexp=digits, required=True,
                     position=0, order=0),
        ServiceField("test_details_success_rate",
                     label=texts("Вероятность успеха (%)", "Success rate (%)",
                                 "Імовірність успіху (%)"),
                     hint=texts("Вероятность успеха (%)", "Success rate (%)",
                                "Імовірність успіху (%)"),
                     regexp=digits, position=0, order=1),
        ServiceField("test_details_payout_status",
                     label=texts("Ожидаемый статус", "Expected status", "Очікуваний статус"),
                     hint=texts("Ожидаемый статус", "Expected status", "Очікуваний статус"),
                     regexp=words, position=0, order=2),
        ServiceField("test_details_payout_resolution",
                     label=texts("Ожидаемый resolution", "Expected resolution",
                                 "Очікуваний resolution"),
                     hint=texts("Ожидаемый resolution", "Expected resolution",
                                "Очікуваний resolution"),
                     regexp=words, position=0, order=3),
    )
    return PayoutService(code="test_usd", method="test", currency="USD", fields=fields,
                         amount_min=Decimal("0.01"), amount_max=Decimal(9999999),
                         exchange_rate=Decimal(1), amount=Decimal("10.00"))


def render_form(form: PayoutFormBase) -> str:
    return render_template_string(
        '{% from "macros/forms.html" import field %}'
        "{% for spec in form.recipient_fields %}{{ field(form[spec.name], hint=spec.hint) }}"
        "{% endfor %}", form=form)


@pytest.mark.parametrize(("language", "labels"), [
    ("en", ["Account", "Success rate (%)", "Expected status", "Expected resolution"]),
    ("ru", ["Аккаунт", "Вероятность успеха (%)", "Ожидаемый статус", "Ожидаемый resolution"]),
    ("uk", ["Акаунт", "Імовірність успіху (%)", "Очікуваний статус", "Очікуваний resolution"]),
])
def test_spec_sample_in_each_language(app: Flask, language: str, labels: list[str]) -> None:
    form_class = build_payout_form(spec_test_usd(), language)
    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        specs = form.recipient_fields
        assert [s.key for s in specs] == ["account", "test_details_success_rate",
                                          "test_details_payout_status",
                                          "test_details_payout_resolution"]
        assert [form[s.name].label.text for s in specs] == labels
        assert [s.hint for s in specs] == ["", "", "", ""]  # the sample's hints repeat labels
        html = render_form(form)
    assert html.count("<input") == 4
    account = html[html.index('id="field__account"') - 200:html.index('id="field__account"') + 300]
    # No `maxlength` (a browser would cut the value without a word) and no `pattern`: the field
    # admits no spaces or dashes, so they are removed on the server, which a pattern would flag.
    assert "required" in account and "pattern=" not in account
    assert "maxlength" not in html and 'inputmode="numeric"' in account
    rate_input = html[html.index('name="field__test_details_success_rate"') - 300:]
    assert " required" not in rate_input.split(">")[0]
    assert 'pattern="[A-Z\\-\\sa-z]{2,64}"' in html


def test_each_build_is_a_fresh_class() -> None:
    first = build_payout_form(spec_test_usd(), "en")
    second = build_payout_form(spec_test_usd(), "ru")
    assert first is not second
    assert issubclass(first, PayoutFormBase)
    assert not hasattr(PayoutFormBase, "field__account")  # nothing set on the shared base
    assert first.field__account.args[0] == "Account"
    assert second.field__account.args[0] == "Аккаунт"


def test_inputs_are_built_once_per_field_list_and_language(app: Flask) -> None:
    """Each post builds a form class, but the inputs of one field list in one language are
    built once (their pattern words were a tenth of a create); the class keeps its own
    service (amount, fee, limits) and other fields or another locale get other inputs."""
    first_service = spec_test_usd()
    other_amount = replace(first_service, amount=Decimal("20.00"), fee=Decimal("1.50"))
    with app.test_request_context():
        first = build_payout_form(first_service, "en")
        second = build_payout_form(other_amount, "en")
        stricter = replace(first_service, fields=(
            replace(first_service.fields[0], regexp=r"^\d{1,8}$"), *first_service.fields[1:]))
        third = build_payout_form(stricter, "en")
        with force_locale("ru"):
            russian = build_payout_form(first_service, "en")
    assert first is not second and first.field__account is second.field__account
    assert first.payout_service is first_service and second.payout_service is other_amount
    assert third.field__account is not first.field__account
    assert "8" in third.recipient_fields[0].format_text
    assert russian.field__account is not first.field__account
    assert first.recipient_fields[0].format_text != russian.recipient_fields[0].format_text


def test_order_by_position_then_as_received(app: Flask) -> None:
    fields = (
        ServiceField("c", position=20, order=0),
        ServiceField("a", position=10, order=1),
        ServiceField("d", position=20, order=2),
        ServiceField("b", position=5, order=3),
        ServiceField("e", position=20, order=4),
    )
    service = PayoutService(code="x", method="m", currency="USD", fields=fields)
    with app.test_request_context():
        form = build_payout_form(service, "en")(formdata=None, meta={"csrf": False})
        assert [s.key for s in form.recipient_fields] == ["b", "a", "c", "d", "e"]
        html = render_form(form)
    assert [html.index(f'name="field__{k}"') for k in "bacde"] == sorted(
        html.index(f'name="field__{k}"') for k in "bacde")


@pytest.mark.parametrize(("label", "hint", "language", "shown_label", "shown_hint"), [
    ({"en": "Phone", "ru": "Телефон"}, {"ru": "Формат +7"}, "uk", "Phone", "Формат +7"),
    ({"en": "Phone", "ru": "Телефон"}, {"ru": "Формат +7"}, "ru", "Телефон", "Формат +7"),
    ({"ru": "Оператор"}, {}, "en", "Оператор", ""),
    ({"ru": "Оператор"}, {}, "uk", "Оператор", ""),
    ({}, {}, "ru", "wallet_id", ""),
    ({"uk": "  ", "en": "Wallet"}, {"en": "Enter wallet"}, "uk", "Wallet", "Enter wallet"),
])
def test_language_fallbacks(app: Flask, label: dict[str, str], hint: dict[str, str],
                            language: str, shown_label: str, shown_hint: str) -> None:
    key = "phone" if "Phone" in label.values() else "wallet_id"
    service = PayoutService(code="x", method="m", currency="USD",
                            fields=(ServiceField(key, label=label, hint=hint),))
    with app.test_request_context():
        form = build_payout_form(service, language)(formdata=None, meta={"csrf": False})
        spec = form.recipient_fields[0]
        assert form[spec.name].label.text == shown_label
        assert spec.hint == shown_hint


def test_label_and_hint_are_escaped(app: Flask) -> None:
    service = PayoutService(code="x", method="m", currency="USD", fields=(
        ServiceField("account", label={"en": '<img src=x onerror="alert(1)">Account'},
                     hint={"en": "<script>alert(2)</script>"}, example="<b>1</b>"),
    ))
    with app.test_request_context():
        form = build_payout_form(service, "en")(formdata=None, meta={"csrf": False})
        html = render_form(form)
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Account" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


@pytest.mark.parametrize(("key", "attribute"), [
    ("card_number", 'inputmode="numeric"'),
    ("phone", 'inputmode="tel"'),
    ("recipient_email", 'inputmode="email"'),
    ("iban", 'autocapitalize="characters"'),
    ("account", 'inputmode="numeric"'),  # the pattern says digits only
])
def test_input_hints_from_the_key(app: Flask, key: str, attribute: str) -> None:
    regexp = r"^\d{1,15}$" if key == "account" else None
    service = PayoutService(code="x", method="m", currency="USD",
                            fields=(ServiceField(key, label={"en": key}, regexp=regexp),))
    with app.test_request_context():
        html = render_form(build_payout_form(service, "en")(formdata=None, meta={"csrf": False}))
    assert attribute in html
    assert 'autocomplete="off"' in html  # the recipient's data, not the operator's


def test_service_without_fields_has_only_the_customer_block(app: Flask) -> None:
    service = PayoutService(code="voucher", method="voucher", currency="EUR")
    with app.test_request_context():
        form = build_payout_form(service, "en")(formdata=None, meta={"csrf": False})
        assert form.recipient_fields == ()
        names = {f.name for f in form}
    assert not any(name.startswith("field__") for name in names)
    assert {"customer_reference_id", "customer_name", "customer_email", "customer_phone",
            "description"} <= names


def test_repeated_key_keeps_the_first(app: Flask) -> None:
    service = PayoutService(code="x", method="m", currency="USD", fields=(
        ServiceField("account", label={"en": "First"}, order=0),
        ServiceField("account", label={"en": "Second"}, order=1),
    ))
    with app.test_request_context():
        form = build_payout_form(service, "en")(formdata=None, meta={"csrf": False})
        assert [form[s.name].label.text for s in form.recipient_fields] == ["First"]


def _amount_that_fits(service_code: str) -> tuple[str, Decimal]:
    """A request in the service's own currency, at twice its minimum (within its maximum)."""
    service = next(s for s in SERVICES if s.code == service_code)
    return service.currency, min(service.amount_min * 2, service.amount_max)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", [s.code for s in SERVICES])
def test_every_sandbox_service_builds(app: Flask, sandbox: SandboxServer, code: str,
                                      language: str) -> None:
    clear_cache()
    currency, amount = _amount_that_fits(code)
    with app.test_request_context():
        answer = fetch_prerequest(currency, amount)
        service = answer.service(code)
        assert service is not None, f"{code} not offered for {amount} {currency}"
        form = build_payout_form(service, language)(formdata=None, meta={"csrf": False})
        specs = form.recipient_fields
        html = render_form(form)
    source = next(s for s in SERVICES if s.code == code)
    by_order = [f.key for f in sorted(source.fields, key=lambda f: f.order)]
    assert [s.key for s in specs] == by_order
    assert html.count("<input") == len(source.fields)
    for spec, field in zip(specs, sorted(source.fields, key=lambda f: f.order), strict=True):
        expected = (field.label.get(language) or field.label.get("en")
                    or next(iter(field.label.values()), field.key))
        assert spec.label == expected
        assert spec.required is field.required
        assert spec.pattern == field.regexp  # unescaped exactly once on the way in
        assert spec.pattern_error is None
        assert bool(form[spec.name].flags.required) is field.required
