"""Lazy translations are text in HTML, whatever they interpolate. Flask-Babel's own lazy strings
declare `__html__` and went out unescaped: the too-small/too-large messages printed the
provider's currency, the 422 message its text, as markup."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

from flask import Flask, render_template_string
from markupsafe import Markup, escape
from wtforms import Form, StringField

from webapp.new_payout.forms import build_payout_form
from webapp.provider.types import PayoutService

PAYLOAD = '<b class="pwned" hx-post="/logout" hx-trigger="load">x</b>'
ROOT = Path(__file__).resolve().parents[2] / "webapp"


def test_limit_messages_escape_the_provider_currency(app: Flask) -> None:
    service = PayoutService(code="svc", method=None, currency=PAYLOAD,
                            amount_min=Decimal("5"), amount_max=Decimal("8"))
    form_class = build_payout_form(service, "en")
    for amount in ("1.00", "10.00"):
        with app.test_request_context(method="POST", data={
                "currency": "USD", "amount": amount, "service": "svc",
                "submission_token": "00000000-0000-4000-8000-000000000000"}):
            form = form_class()
            form.validate()
            assert form.amount.errors, amount
            html = render_template_string("{% for e in errors %}{{ e }}{% endfor %}",
                                          errors=form.amount.errors)
            assert PAYLOAD not in html and str(escape(PAYLOAD)) in html


def test_provider_422_message_is_escaped(app: Flask) -> None:
    service = PayoutService(code="svc", method=None, currency="USD")
    with app.test_request_context(method="POST"):
        form = build_payout_form(service, "en")()
        form.apply_provider_errors({"amount": PAYLOAD, "nowhere": PAYLOAD})
        html = render_template_string("{{ a }}{{ b }}{{ m }}", a=form.amount.errors[-1],
                                      b=form.form_errors[-1],
                                      m=Markup("<p>{}</p>").format(form.form_errors[-1]))
    assert "<b" not in html and html.count(str(escape(PAYLOAD))) == 3


def test_a_wtforms_label_from_a_lazy_text_is_escaped(app: Flask) -> None:
    from webapp.lazy_text import _l

    class Probe(Form):
        name = StringField(_l("Name %(x)s", x=PAYLOAD))

    with app.test_request_context():
        assert "<b" not in str(Probe().name.label)


def test_no_module_uses_flask_babels_lazy_strings() -> None:
    """New code gets `_l` from webapp.lazy_text, or this fails."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flask_babel"):
                names = {alias.name for alias in node.names}
                if names & {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "LazyString"} \
                        and path.name != "lazy_text.py":
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
