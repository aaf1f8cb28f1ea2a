"""Hostile numbers in the provider's pre-request: each costly or crashing value (a 400,000-digit
exponent, a 5,000-digit integer, a rate of 1e30, an infinite maximum, deep JSON) leaves its
service unavailable with a logged reason, the rest of the page working, fast."""

from __future__ import annotations

import json
import logging
import statistics
import time
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.security.hostile_provider import good_service, prerequest_body, queue_answer
from webapp.payout_core.prerequest import clear_cache
from webapp.provider import bounded_json
from webapp.provider.values import OutOfBounds, to_decimal, to_int
from webapp.sandbox import SandboxServer

PAGE = "/payouts/new?currency=USD&amount=10.00"
HUGE_INT = "9" * 5000  # a JSON integer Python's int() refuses (4300-digit limit): a ValueError


def hostile(code: str, **values: Any) -> dict[str, Any]:
    service = good_service(code)
    fields = values.pop("fields", None)
    if fields is not None:
        service["fields"] = fields
    service.update(values)
    return service


HOSTILE_SERVICES = [
    hostile("position_exp", fields=[{"key": "a", "label": "A", "position": "1e400000"}]),
    hostile("weight_exp", fields=[{"key": "a", "label": "A", "weight": "-1e400000"}]),
    hostile("weight_huge", fields=[{"key": "a", "label": "A", "weight": "@HUGE@"}]),
    hostile("rate_1e30", exchange_rate=1e30),
    hostile("rate_text", exchange_rate="1E+999999999"),
    hostile("max_inf", amount_max="@INF@"),
    hostile("min_tiny", amount_min="1e-999999"),
    hostile("fee_digits", fee="0." + "1" * 60),
    hostile("amount_huge", amount="@HUGE@"),
]


def radio_disabled(page: str, code: str) -> bool | None:
    """Whether the service's radio button is disabled; None when the page has none."""
    import re

    found = re.search(rf'<input type="radio" id="service-{re.escape(code)}"[^>]*>', page)
    return None if found is None else " disabled" in found.group(0)


def hostile_answer() -> str:
    """One good service among hostile ones, with raw JSON numbers no dict can hold as text."""
    text = json.dumps(prerequest_body(good_service(), *HOSTILE_SERVICES))
    return text.replace('"@HUGE@"', HUGE_INT).replace('"@INF@"', "1e999999")


def test_hostile_numbers_make_services_unavailable_and_the_page_fast(
        app: Flask, operator_client: FlaskClient, sandbox: SandboxServer,
        caplog: pytest.LogCaptureFixture) -> None:
    timings = []
    caplog.set_level(logging.WARNING, logger="webapp.provider")
    for _ in range(7):
        clear_cache()
        queue_answer(sandbox, "prerequest", hostile_answer())
        started = time.perf_counter()
        response = operator_client.get(PAGE)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert radio_disabled(page, "test_usd") is False
    for service in HOSTILE_SERVICES:
        code = service["code"]
        assert radio_disabled(page, code) is True, code
        assert any(code in r.getMessage() and "out of bounds" in r.getMessage()
                   for r in caplog.records), code
    median = statistics.median(timings)
    print(f"\nnew-payout page with hostile numbers: best {min(timings) * 1000:.1f} ms, "
          f"median {median * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms over "
          f"{len(timings)} requests (provider round trip included)")
    # The best of seven is what the page costs; the others add this shared machine's noise.
    # (Before the bounds, each request took 8.7 s.)
    assert min(timings) < 0.1, timings
    assert median < 1.0, timings


def test_a_hostile_service_cannot_be_chosen(operator_client: FlaskClient,
                                            sandbox: SandboxServer) -> None:
    queue_answer(sandbox, "prerequest", hostile_answer())
    response = operator_client.get(PAGE + "&service=position_exp")
    assert response.status_code == 200
    assert b'name="field_' not in response.data  # no recipient form for it


@pytest.mark.parametrize("body", [
    '{"data": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"data": ' + '{"a":' * 100 + "1" + "}" * 100 + "}",
])
def test_deeply_nested_json_is_refused_not_a_500(operator_client: FlaskClient,
                                                 sandbox: SandboxServer, body: str) -> None:
    queue_answer(sandbox, "prerequest", body, times=3)  # the client retries a read
    response = operator_client.get(PAGE)
    assert response.status_code == 200
    assert b"service-test_usd" not in response.data


@pytest.mark.parametrize("value", ["1e400000", "-1e400000", "1e-999999", 1e30, float("inf"),
                                   "1" * 80, 10**16, "0." + "1" * 40, "1e999999999999"])
def test_decimal_bounds(value: Any) -> None:
    """Refused before any arithmetic: "1e999999999999" would never finish (or exhaust memory)
    if it were turned into an integer or quantized first."""
    with pytest.raises(OutOfBounds):
        to_decimal(value)


@pytest.mark.parametrize("value", ["1e400000", 10**16, "1e20", 1e300])
def test_int_bounds(value: Any) -> None:
    with pytest.raises(OutOfBounds):
        to_int(value)


def test_ordinary_numbers_still_read() -> None:
    assert to_decimal("0.01000000") == Decimal("0.01")
    assert to_decimal(1e-8) == Decimal("1E-8")
    assert to_decimal("123456789012345.12") == Decimal("123456789012345.12")
    assert to_int("12") == 12 and to_int(1_700_000_000) == 1_700_000_000


def test_json_bounds() -> None:
    with pytest.raises(bounded_json.JSONTooHostile):
        bounded_json.loads("[" * 40 + "]" * 40)
    with pytest.raises(bounded_json.JSONTooHostile):
        bounded_json.loads("[" * 100_000)
    assert bounded_json.loads('{"a": ' + HUGE_INT + "}") == {"a": float("inf")}
    assert bounded_json.loads("[" * 10 + "]" * 10) == [[[[[[[[[[]]]]]]]]]]


@pytest.mark.parametrize(("name", "length"), [("status", 33), ("resolution", 65), ("id", 65)])
def test_an_overlong_invoice_code_makes_the_answer_unreadable_not_a_database_error(
        name: str, length: int) -> None:
    """A 300-character status used to reach the varchar(32) column: a DataError on
    PostgreSQL in the poller or the callback worker."""
    from webapp.provider.errors import MalformedResponse
    from webapp.provider.parsing import parse_invoice

    attributes = {"status": "processing", "resolution": "ok", name: "x" * length}
    invoice = {"type": "payout-invoices", "id": attributes.pop("id", "cpoi_1"),
               "attributes": attributes}
    with pytest.raises(MalformedResponse):
        parse_invoice(invoice)


def test_an_overlong_service_code_is_left_out() -> None:
    from webapp.provider.parsing import parse_prerequest

    long_code = good_service("s" * 129)
    answer = parse_prerequest(prerequest_body(good_service(), long_code))
    assert [s.code for s in answer.services] == ["test_usd"]
