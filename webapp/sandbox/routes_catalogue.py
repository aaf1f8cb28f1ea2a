"""The catalogue endpoints: the public pre-request and the private service list."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from flask import Blueprint, Response, request

from webapp.sandbox import faults, overrides
from webapp.sandbox.catalogue import Service, known_currency
from webapp.sandbox.catalogue_data import ACCOUNT, ACCOUNT_CURRENCY, METHODS, SERVICES
from webapp.sandbox.request_helpers import (
    parse_amount,
    private_auth_ok,
    public_key_ok,
    read_json,
    state,
)
from webapp.sandbox.store import ALPHABET
from webapp.sandbox.validation import BLANK, POSITIVE
from webapp.sandbox.views import (
    error_response,
    json_response,
    method_view,
    number,
    service_resource,
    service_view,
    validation_error,
)

bp = Blueprint("sandbox_catalogue", __name__)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def service_id(service: Service) -> str:
    """A stable `comcpos_…` id per service, so links stay valid across restarts."""
    digest = hashlib.sha256(service.code.encode()).digest()
    return "comcpos_" + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:16])


def _prerequest_errors(body: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    currency, raw_amount = body.get("currency"), body.get("amount")
    if currency in (None, ""):
        errors["currency"] = BLANK
    elif not known_currency(currency):
        errors["currency"] = "This value is not a valid currency."
    if raw_amount in (None, ""):
        errors["amount"] = BLANK
    else:
        amount = parse_amount(raw_amount)
        if amount is None:
            errors["amount"] = "This value should be of type numeric."
        elif amount <= 0:
            errors["amount"] = POSITIVE
    return errors


def _prerequest(body: dict[str, Any], live: bool) -> Response:
    errors = _prerequest_errors(body)
    if errors:
        return validation_error(errors)
    currency, amount = str(body["currency"]), parse_amount(body["amount"])
    assert amount is not None  # checked above
    services: dict[str, Any] = {}
    for listed in SERVICES:
        service = overrides.effective(state(), listed)
        if service is None:
            continue
        rate, converted = overrides.rate_and_amount(state(), service, amount, currency)
        if service.amount_min <= converted <= service.amount_max:
            view = service_view(service, rate, converted, live)
            view["fee"] = number(overrides.fee_for(service, amount, currency))
            services[service.code] = view
    used = dict.fromkeys(s["method"] for s in services.values())
    methods = {code: method_view(METHODS[code]) for code in used}
    test_mode = state().test_mode
    if live:
        return json_response({"data": {"type": "payout-prerequest", "attributes": {
            "currency": currency, "test_mode": test_mode, "services": services,
            "methods": methods}}})
    # The spec's quirk: `methods` and `account` sit inside `services`, beside real services.
    services.update(methods=methods, account=dict(ACCOUNT))
    return json_response({"data": {"currency": currency, "amount": number(amount),
                                   "test_mode": test_mode, "services": services}})


@bp.post("/payout-prerequest")
def prerequest() -> Response:
    body = read_json() or {}
    if not public_key_ok(body.get("public_key")):
        return error_response(401)
    live = body.get("shape") == "live" or request.args.get("shape") == "live"
    return faults.run("prerequest", lambda: _prerequest(body, live))


def _positive_int(name: str, default: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _offered() -> list[Service]:
    """The catalogue as it stands after changes made behind the desk's back."""
    found = (overrides.effective(state(), s) for s in SERVICES)
    return [s for s in found if s is not None]


def _service_page() -> Response:
    page, size = _positive_int("page[number]", 1), _positive_int("page[size]", DEFAULT_PAGE_SIZE)
    if page is None:
        return validation_error({"page[number]": "This value should be a positive integer."})
    if size is None or size > MAX_PAGE_SIZE:
        return validation_error(
            {"page[size]": f"This value should be between 1 and {MAX_PAGE_SIZE}."})
    offered = _offered()
    total = len(offered)
    pages = max(1, math.ceil(total / size))
    chunk = offered[(page - 1) * size: page * size]
    test_mode = state().test_mode

    def link(index: int) -> str:
        return f"/payout-services?page[number]={index}&page[size]={size}"

    links = {"first": link(1)}
    if page < pages:
        links["next"] = link(page + 1)
    links["last"] = link(pages)
    data = [service_resource(s, service_id(s), ACCOUNT_CURRENCY, test_mode) for s in chunk]
    return json_response({"meta": {"total": total, "pages": pages, "page": page},
                          "links": links, "data": data})


@bp.get("/payout-services")
def services() -> Response:
    if not private_auth_ok():
        return error_response(401)
    return faults.run("services", _service_page)


@bp.get("/payout-services/<service_ref>")
def one_service(service_ref: str) -> Response:
    if not private_auth_ok():
        return error_response(401)

    def perform() -> Response:
        found = next((s for s in _offered() if service_ref in (service_id(s), s.code)), None)
        if found is None:
            return error_response(404)
        resource = service_resource(found, service_id(found), ACCOUNT_CURRENCY, state().test_mode)
        return json_response({"data": resource})

    return faults.run("services", perform)
