"""The one mapping function, table-style: one row per status or exception kind."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest
import requests
from urllib3.exceptions import ReadTimeoutError

from webapp.provider.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    MalformedResponse,
    MethodNotAllowed,
    NotFound,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from webapp.provider.mapping import error_for, field_errors_of


def response(status: int, body: Any = None, *, text: str | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = HTTPStatus(status).phrase
    raw = text if text is not None else ("" if body is None else json.dumps(body))
    answer._content = raw.encode()
    answer.encoding = "utf-8"
    return answer


def errors(*items: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(items)}


STATUS_TABLE = [
    (400, BadRequest), (401, Unauthorized), (403, Forbidden), (404, NotFound),
    (405, MethodNotAllowed), (409, Conflict), (410, BadRequest), (422, ValidationFailed),
    (429, BadRequest), (500, ServerError), (502, ServerError), (503, ServerError),
    (504, ServerError), (302, MalformedResponse),
]


@pytest.mark.parametrize(("status", "kind"), STATUS_TABLE)
def test_status_to_exception(status: int, kind: type[ProviderError]) -> None:
    error = error_for(response(status, errors({"status": "x", "code": str(status)})))
    assert type(error) is kind
    assert error.status_code == status


@pytest.mark.parametrize(("status", "kind"), [(401, Unauthorized), (500, ServerError)])
def test_status_without_a_json_body(status: int, kind: type[ProviderError]) -> None:
    error = error_for(response(status, text="<html>Bad gateway</html>"))
    assert type(error) is kind and error.body is None


EXCEPTION_TABLE = [
    (requests.ReadTimeout("read"), ProviderTimeout),
    (requests.ConnectTimeout("connect"), ProviderTimeout),
    (requests.ConnectionError(ReadTimeoutError(None, "/", "read timed out")), ProviderTimeout),
    (requests.ConnectionError("refused"), ProviderConnectionError),
    (requests.exceptions.ChunkedEncodingError("dropped mid-answer"), ProviderConnectionError),
    (requests.exceptions.ContentDecodingError("bad gzip"), ProviderConnectionError),
    (requests.exceptions.InvalidURL("no host"), ProviderConnectionError),
    (ValueError("Expecting value"), MalformedResponse),
]


@pytest.mark.parametrize(("failure", "kind"), EXCEPTION_TABLE)
def test_exception_to_exception(failure: Exception, kind: type[ProviderError]) -> None:
    error = error_for(failure)
    assert type(error) is kind
    assert error.status_code is None and error.outcome_unknown


def test_other_exceptions_are_not_provider_outcomes() -> None:
    with pytest.raises(TypeError):
        error_for(KeyError("x"))


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (response(200, {"data": {"id": "x"}}), None),
        (response(201, {"data": []}), None),
        (response(200, text="<html>ok</html>"), MalformedResponse),
        (response(200, text=""), MalformedResponse),
        (response(200, {"meta": {}}), MalformedResponse),
        (response(200, ["data"]), MalformedResponse),
    ],
)
def test_success_bodies(answer: requests.Response, kind: type[ProviderError] | None) -> None:
    error = error_for(answer)
    assert (None if error is None else type(error)) is kind


def test_success_without_data_when_not_required() -> None:
    assert error_for(response(200, {"meta": {}}), require_data=False) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"errors": {"amount": "Too small."}}, {"amount": "Too small."}),
        ({"errors": {"amount": "A", "fields.card_number": "B"}},
         {"amount": "A", "fields.card_number": "B"}),
        ({"errors": {"fields": {"card_number": ["B", "C"]}}}, {"fields.card_number": "B; C"}),
        (errors({"source": {"pointer": "/data/attributes/amount"}, "detail": "Too small."}),
         {"amount": "Too small."}),
        (errors({"source": {"pointer": "/data/attributes/fields/card_number"}, "title": "Bad"}),
         {"fields.card_number": "Bad"}),
        (errors({"source": {"parameter": "currency"}, "detail": "Unknown"}),
         {"currency": "Unknown"}),
        (errors({"title": "Invalid request"}), {}),
        ({"errors": "text"}, {}),
        (None, {}),
    ],
)
def test_field_errors(body: Any, expected: dict[str, str]) -> None:
    assert field_errors_of(body) == expected


def test_validation_message_names_general_and_field_errors() -> None:
    general = error_for(response(422, errors({"title": "Invalid request"})))
    assert isinstance(general, ValidationFailed)
    assert str(general) == "Paymega answered 422 Unprocessable Entity: Invalid request"
    assert general.field_errors == {}
    named = error_for(response(422, {"errors": {"amount": "Too small."}}))
    assert isinstance(named, ValidationFailed)
    assert str(named).endswith(": amount: Too small.")
