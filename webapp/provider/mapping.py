"""The one place that turns a provider answer (or the lack of one) into an exception.

`error_for(outcome)` takes either the `requests.Response` received or the `requests` exception
raised, and returns the `ProviderError` to raise, or None when a response is a usable success.
Messages carry the status and the provider's own error text, never request headers or keys.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from urllib3.exceptions import ReadTimeoutError

from webapp.provider import bounded_json
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

_BY_STATUS: dict[int, type[ProviderError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
}
_MAX_DETAIL = 300
_PARSED = "_bounded_json_body"
logger = logging.getLogger("webapp.provider")


def error_for(
    outcome: requests.Response | BaseException, *, require_data: bool = True
) -> ProviderError | None:
    """The exception for this outcome; None for a 2xx whose body is JSON (with `data` when
    `require_data`)."""
    if isinstance(outcome, BaseException):
        return _error_for_exception(outcome)
    status = outcome.status_code
    body, is_json = _json_body(outcome)
    if 200 <= status < 300:
        if not is_json:
            return MalformedResponse(f"Paymega answered {status} with a body that is not JSON.",
                                     status_code=status)
        if require_data and not (isinstance(body, dict) and "data" in body):
            return MalformedResponse(f"Paymega answered {status} without `data`.",
                                     status_code=status, body=body)
        return None
    message = f"Paymega answered {status} {outcome.reason or ''}".rstrip()
    detail = _detail(body)
    if detail and detail.lower() != (outcome.reason or "").lower():
        message = f"{message}: {detail}"
    if status == 422:
        return ValidationFailed(message, field_errors=field_errors_of(body), status_code=status,
                                body=body)
    if status in _BY_STATUS:
        return _BY_STATUS[status](message, status_code=status, body=body)
    if 400 <= status < 500:
        return BadRequest(message, status_code=status, body=body)
    if status >= 500:
        return ServerError(message, status_code=status, body=body)
    return MalformedResponse(f"Paymega answered an unexpected status {status}.",
                             status_code=status, body=body)


def _error_for_exception(exc: BaseException) -> ProviderError:
    kind = type(exc).__name__
    if isinstance(exc, requests.Timeout) or (
        isinstance(exc, requests.ConnectionError)
        and any(isinstance(arg, ReadTimeoutError) for arg in exc.args)
    ):
        return ProviderTimeout(f"Paymega did not answer in time ({kind}).")
    if isinstance(exc, requests.RequestException):
        # ConnectionError, ChunkedEncodingError (dropped mid-answer), ContentDecodingError...
        return ProviderConnectionError(f"The connection to Paymega failed ({kind}).")
    if isinstance(exc, ValueError):
        return MalformedResponse(f"Paymega's answer could not be read ({kind}).")
    raise TypeError(f"not a provider outcome: {kind}")


def _json_body(response: requests.Response) -> tuple[Any, bool]:
    """The body read once with bounds (size, depth, numbers); kept on the response so the
    transport does not parse it a second time."""
    if _PARSED in response.__dict__:
        return response.__dict__[_PARSED]
    result: tuple[Any, bool] = (None, False)
    if response.content and response.content.strip():
        try:
            result = (bounded_json.loads(response.content), True)
        except bounded_json.JSONTooHostile as exc:
            logger.warning("Paymega's answer refused: %s", exc)
    response.__dict__[_PARSED] = result
    return result


def json_of(response: requests.Response) -> Any:
    """The parsed body of an answer `error_for` found to be JSON."""
    return _json_body(response)[0]


def _detail(body: Any) -> str:
    """The provider's human text: `detail`/`title`/`status` of each error, or `key: message`."""
    errors = body.get("errors") if isinstance(body, dict) else None
    parts: list[str] = []
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                text = item.get("detail") or item.get("title") or item.get("status")
                if isinstance(text, str) and text.strip():
                    parts.append(text.strip())
            elif isinstance(item, str):
                parts.append(item)
    elif isinstance(errors, dict):
        parts = [f"{name}: {text}" for name, text in field_errors_of(body).items()]
    elif isinstance(body, dict) and isinstance(body.get("message"), str):
        parts.append(body["message"])
    return "; ".join(dict.fromkeys(parts))[:_MAX_DETAIL]


def field_errors_of(body: Any) -> dict[str, str]:
    """Field path (`amount`, `fields.card_number`) to message, from `{"errors": {name: msg}}`
    (nested dicts flattened with dots) or JSON:API `{"errors": [{"source": {"pointer": ...}}]}`.
    Errors that name no field are left to the exception's message."""
    errors = body.get("errors") if isinstance(body, dict) else None
    found: dict[str, str] = {}
    if isinstance(errors, dict):
        _flatten(errors, "", found)
    elif isinstance(errors, list):
        for item in errors:
            name = _field_name(item) if isinstance(item, dict) else None
            text = _message(item.get("detail") or item.get("title") or item.get("message")) \
                if isinstance(item, dict) else None
            if name and text:
                found[name] = f"{found[name]}; {text}" if name in found else text
    return found


def _flatten(errors: dict[str, Any], prefix: str, found: dict[str, str]) -> None:
    for name, value in errors.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, f"{path}.", found)
        elif (text := _message(value)) is not None:
            found[path] = text


def _message(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list):
        texts = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return "; ".join(texts) or None
    return None


def _field_name(item: dict[str, Any]) -> str | None:
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    pointer = source.get("pointer")
    if isinstance(pointer, str) and pointer.strip("/"):
        path = pointer.strip("/")
        for prefix in ("data/attributes/", "data/"):
            if path.startswith(prefix):
                path = path[len(prefix):]
                break
        return path.replace("/", ".") or None
    for candidate in (source.get("parameter"), item.get("field"), item.get("property_path"),
                      item.get("propertyPath")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
