"""Faults on demand for create and process: what the client sees, and what really happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from webapp.sandbox import FAULTS, SandboxServer

AUTH = ("sandbox", "sk_test_sandbox")
SLOW_SECONDS = 1.0  # as set by the `sb` fixture
CLIENT_TIMEOUT = 0.4
SERVER_ERROR = {"errors": [{"status": "internal_error", "code": "500", "title": "internal_error",
                            "detail": "Internal server error."}]}
REFUSALS = {
    "401": (401, {"errors": [{"status": "Unauthorized", "code": "401"}]}),
    "403": (403, {"errors": [{"status": "Forbidden", "code": "403"}]}),
    "405": (405, {"errors": [{"status": "Method Not Allowed", "code": "405"}]}),
    "409": (409, {"errors": [{"status": "Conflict", "code": "409", "title": "Conflict"}]}),
    "422": (422, {"errors": {"amount": "This value is not valid."}}),
    "500_before": (500, SERVER_ERROR),
}


def inject(sb: SandboxServer, http: requests.Session, operation: str, fault: str,
           times: int = 1) -> None:
    answer = http.post(f"{sb.url}/_sandbox/faults", timeout=5,
                       json={"operation": operation, "fault": fault, "times": times})
    assert answer.status_code == 200, answer.text


def stored(sb: SandboxServer, http: requests.Session, reference: str) -> bool:
    answer = http.get(f"{sb.url}/payout-invoices", params={"filter[reference_id]": reference},
                      auth=AUTH, timeout=5)
    assert answer.status_code in (200, 404)
    return answer.status_code == 200


@pytest.mark.parametrize("fault", sorted(REFUSALS))
def test_create_refusals_store_nothing(sb: SandboxServer, http: requests.Session,
                                       create: Callable[..., requests.Response],
                                       fault: str) -> None:
    inject(sb, http, "create", fault)
    answer = create("ref-refused")
    assert (answer.status_code, answer.json()) == REFUSALS[fault]
    assert not stored(sb, http, "ref-refused")
    assert create("ref-refused").status_code == 201  # the fault was used up
    assert sb.state.stats()["create_requests"] == {"ref-refused": 2}


def test_create_500_after_stores_the_invoice(sb: SandboxServer, http: requests.Session,
                                             create: Callable[..., requests.Response]) -> None:
    inject(sb, http, "create", "500_after")
    answer = create("ref-500-after")
    assert (answer.status_code, answer.json()) == (500, SERVER_ERROR)
    assert stored(sb, http, "ref-500-after")
    again = create("ref-500-after")
    assert again.status_code == 409 and again.json()["data"]["attributes"]["reference_id"] == (
        "ref-500-after")


def test_create_timeout_stores_then_answers_too_late(
        sb: SandboxServer, http: requests.Session,
        create: Callable[..., requests.Response]) -> None:
    inject(sb, http, "create", "timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        create("ref-timeout", timeout=CLIENT_TIMEOUT)
    assert stored(sb, http, "ref-timeout")


def test_create_slow_answers_normally_after_a_pause(
        sb: SandboxServer, create: Callable[..., requests.Response]) -> None:
    sb.state.inject("create", "slow")
    started = time.monotonic()
    answer = create("ref-slow")
    assert time.monotonic() - started >= SLOW_SECONDS
    assert answer.status_code == 201


def test_create_drop_stores_and_closes_without_an_answer(
        sb: SandboxServer, http: requests.Session,
        create: Callable[..., requests.Response]) -> None:
    inject(sb, http, "create", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        create("ref-drop")
    assert stored(sb, http, "ref-drop")


def test_create_malformed_stores_and_answers_garbage(
        sb: SandboxServer, http: requests.Session,
        create: Callable[..., requests.Response]) -> None:
    inject(sb, http, "create", "malformed")
    answer = create("ref-malformed")
    assert answer.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()
    assert stored(sb, http, "ref-malformed")


def test_times_counts_the_calls(sb: SandboxServer, http: requests.Session,
                                create: Callable[..., requests.Response]) -> None:
    inject(sb, http, "create", "500_before", times=2)
    inject(sb, http, "create", "403")
    codes = [create("ref-times").status_code for _ in range(4)]
    assert codes == [500, 500, 403, 201]
    assert http.get(f"{sb.url}/_sandbox/stats", timeout=5).json()["data"]["create_requests"] == {
        "ref-times": 4}


# -- process ----------------------------------------------------------------------------------

@pytest.fixture
def fresh(created: Callable[..., dict[str, Any]]) -> str:
    return str(created()["id"])


def process(sb: SandboxServer, http: requests.Session, invoice_id: str,
            timeout: float = 5.0) -> requests.Response:
    return http.post(f"{sb.url}/payout-invoices/{invoice_id}/process", auth=AUTH,
                     timeout=timeout)


def accepted(sb: SandboxServer, invoice_id: str) -> int:
    return int(sb.state.stats()["process_accepted"].get(invoice_id, 0))


@pytest.mark.parametrize("fault", sorted(REFUSALS))
def test_process_refusals_change_nothing(sb: SandboxServer, http: requests.Session, fresh: str,
                                         fault: str) -> None:
    inject(sb, http, "process", fault)
    answer = process(sb, http, fresh)
    assert (answer.status_code, answer.json()) == REFUSALS[fault]
    assert accepted(sb, fresh) == 0
    assert sb.state.get(fresh).status == "created"
    assert process(sb, http, fresh).status_code == 200
    assert sb.state.stats()["process_requests"] == {fresh: 2}


def test_process_500_after_starts_processing(sb: SandboxServer, http: requests.Session,
                                             fresh: str) -> None:
    inject(sb, http, "process", "500_after")
    assert process(sb, http, fresh).status_code == 500
    assert accepted(sb, fresh) == 1
    assert sb.state.get(fresh).status != "created"
    assert process(sb, http, fresh).status_code == 409


def test_process_timeout_starts_processing(sb: SandboxServer, http: requests.Session,
                                           fresh: str) -> None:
    inject(sb, http, "process", "timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        process(sb, http, fresh, timeout=CLIENT_TIMEOUT)
    assert accepted(sb, fresh) == 1


def test_process_slow_answers_after_a_pause(sb: SandboxServer, http: requests.Session,
                                            fresh: str) -> None:
    inject(sb, http, "process", "slow")
    started = time.monotonic()
    answer = process(sb, http, fresh)
    assert time.monotonic() - started >= SLOW_SECONDS
    assert answer.json()["data"]["attributes"]["status"] == "processing"


def test_process_drop_starts_processing(sb: SandboxServer, http: requests.Session,
                                        fresh: str) -> None:
    inject(sb, http, "process", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        process(sb, http, fresh)
    assert accepted(sb, fresh) == 1


def test_process_malformed_starts_processing(sb: SandboxServer, http: requests.Session,
                                             fresh: str) -> None:
    inject(sb, http, "process", "malformed")
    answer = process(sb, http, fresh)
    assert answer.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()
    assert accepted(sb, fresh) == 1


# -- the other operations and the control API -------------------------------------------------

@pytest.mark.parametrize(("operation", "method", "path", "kwargs"), [
    ("prerequest", "POST", "/payout-prerequest",
     {"json": {"currency": "USD", "amount": 1, "public_key": "pk_test_sandbox"}}),
    ("services", "GET", "/payout-services", {"auth": AUTH}),
    ("get", "GET", "/payout-invoices/{id}", {"auth": AUTH}),
    ("find", "GET", "/payout-invoices?filter[reference_id]=ref-other", {"auth": AUTH}),
    ("list", "GET", "/payout-invoices", {"auth": AUTH}),
])
@pytest.mark.parametrize("fault", ["500_before", "malformed", "drop"])
def test_faults_reach_every_operation(sb: SandboxServer, http: requests.Session,
                                      created: Callable[..., dict[str, Any]], operation: str,
                                      method: str, path: str, kwargs: dict[str, Any],
                                      fault: str) -> None:
    url = sb.url + path.format(id=created("ref-other")["id"])
    inject(sb, http, operation, fault)
    if fault == "drop":
        with pytest.raises(requests.exceptions.ConnectionError):
            http.request(method, url, timeout=5, **kwargs)
    else:
        answer = http.request(method, url, timeout=5, **kwargs)
        assert answer.status_code == (500 if fault == "500_before" else 200)
        assert answer.text.startswith('{"errors"') == (fault == "500_before")
    assert http.request(method, url, timeout=5, **kwargs).status_code == 200


def test_control_api_validates_and_lists(sb: SandboxServer, http: requests.Session) -> None:
    bad = http.post(f"{sb.url}/_sandbox/faults", json={"operation": "x", "fault": "y",
                                                        "times": 0}, timeout=5)
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"operation", "fault", "times"}
    inject(sb, http, "get", "slow", times=3)
    listed = http.get(f"{sb.url}/_sandbox/faults", timeout=5).json()
    assert listed == {"data": {"faults": {"get": [["slow", 3]]}}}
    assert http.post(f"{sb.url}/_sandbox/reset", timeout=5).json() == {"data": {"reset": True}}
    assert http.get(f"{sb.url}/_sandbox/faults", timeout=5).json() == {"data": {"faults": {}}}
    assert set(FAULTS) >= set(REFUSALS) | {"500_after", "timeout", "slow", "drop", "malformed"}
