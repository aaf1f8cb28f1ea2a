"""Item 2: from a pre-request answer to the rendered service form, for the spec's sample and
for a large answer (200 services x 6 fields). The answer is put in the desk's pre-request
cache, so the request measures our work only: grouping, form class, rendering."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import render_template
from flask_login import login_user
from werkzeug.datastructures import MultiDict

from bench.common import Row, sample, timed_row, verdict
from bench.desk import Desk
from bench.large_prerequest import large_answer, spec_answer
from webapp.extensions import db
from webapp.models import User
from webapp.new_payout.forms import StartForm, build_payout_form
from webapp.new_payout.new_page import NewPayoutPage, choose
from webapp.new_payout.routes import _new_form
from webapp.provider.parsing import parse_prerequest
from webapp.provider.types import Prerequest

FORM_TARGET_MS = 10.0
SECTION = "2 form"
HX = {"HX-Request": "true"}


def _cache_key(config: Any, currency: str, amount: str) -> tuple[str, ...]:
    """As webapp/payout_core/prerequest.py keys its cache."""
    return (config["PAYMEGA_API_URL"], config["PAYMEGA_PUBLIC_KEY"], currency,
            format(Decimal(amount).normalize(), "f"))


def form_only(answer: Prerequest, currency: str, service: str) -> str:
    """What the view does from the answer to the service form alone (no list): group and
    check the services, build the form class, render `_service_form.html`. Needs a request
    context."""
    start = StartForm(formdata=MultiDict({"currency": currency, "amount": "10.00",
                                          "service": service}))
    start.validate()
    page = NewPayoutPage(start=start, searched=True, amount=start.amount_value())
    choose(page, answer, service)
    assert page.chosen is not None
    page.form = _new_form(page)
    return render_template("new_payout/_service_form.html", page=page)


def run_forms(desk: Desk, n: int) -> list[Row]:
    rows: list[Row] = []
    client = desk.operator
    client.get("/payouts/new?currency=USD&amount=10.00")  # creates the cache
    cache = desk.app.extensions["payouts_prerequest_cache"]
    cases = [("spec sample (1 service, 4 fields)", spec_answer(), "USD", "test_usd"),
             ("large (200 services x 6 fields)", large_answer(currency="EUR"), "EUR",
              "bench_eur_199")]
    for label, answer, currency, service in cases:
        raw = json.dumps(answer).encode()
        parsed = parse_prerequest(json.loads(raw))
        parse_ms = sample(lambda raw=raw: parse_prerequest(json.loads(raw)), n, budget_s=15)
        chosen = next(s for s in parsed.services if s.code == service)
        build_ms = sample(lambda chosen=chosen: build_payout_form(chosen, "en"), n, budget_s=10)
        path = f"/payouts/new?currency={currency}&amount=10.00&service={service}"

        def fragment(path: str = path, currency: str = currency, parsed: Any = parsed) -> None:
            cache.put(_cache_key(desk.app.config, currency, "10.00"), parsed)
            answer = client.get(path, headers=HX)
            body = answer.get_data(as_text=True)
            if answer.status_code != 200 or 'id="payout-form"' not in body:
                raise RuntimeError(f"no form fragment for {path}: {answer.status_code}")

        fragment()
        size = len(client.get(path, headers=HX).data)
        request_ms = sample(fragment, n, budget_s=20)
        with desk.app.test_request_context(path, base_url="https://localhost"):
            login_user(db.session.get(User, desk.operator_id))  # the form's token is theirs
            form_size = len(form_only(parsed, currency, service))
            form_ms = sample(lambda parsed=parsed, currency=currency, service=service:
                             form_only(parsed, currency, service), n, budget_s=15)
        total = parse_ms.median + form_ms.median
        rows.append(timed_row(SECTION, f"{label}: parse answer JSON", parse_ms,
                              values={"answer_bytes": len(raw)},
                              result=f"{len(raw) / 1024:.0f} KB JSON"))
        rows.append(timed_row(SECTION, f"{label}: build form class", build_ms))
        rows.append(timed_row(
            SECTION, f"{label}: group + build + render service form", form_ms,
            result=f"{form_size / 1024:.1f} KB; parse+form {total:.2f} ms",
            target=f"<= {FORM_TARGET_MS:.0f} ms" if "large" in label else "",
            verdict=verdict(total <= FORM_TARGET_MS) if "large" in label else "",
            values={"form_bytes": form_size, "answer_to_form_ms": round(total, 3)}))
        rows.append(timed_row(
            SECTION, f"{label}: htmx GET ?service= (list + form)", request_ms,
            result=f"{size / 1024:.1f} KB",
            values={"fragment_bytes": size},
            note="" if "large" not in label else
            "picking a service re-renders the whole service list (hx-target "
            "#payout-services) as well as the form: that list, not the form, is the cost"))
    return rows
