"""HTTP plumbing of the provider client: exact-decimal JSON bodies, timeouts, Basic auth,
one log line per request, retries of safe calls only, and secrets kept out of messages."""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import secrets
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import requests

from webapp.observability.context import HEADER as REQUEST_ID_HEADER
from webapp.observability.context import current_request_id
from webapp.observability.metrics import observe_provider_call
from webapp.provider.errors import ProviderError, ProviderUnavailable
from webapp.provider.mapping import error_for, json_of

logger = logging.getLogger("webapp.provider")
T = TypeVar("T")

RETRY_BASE_DELAY = 0.1
RETRY_MAX_DELAY = 0.4
RETRY_JITTER = 0.1


# Decimals leave json.dumps as marked strings, then lose the quotes and the marks. The marker is
# random per process, so no text a user typed can carry it; one compiled pattern serves every
# call (a new marker per call compiled a new regexp for each request).
_DECIMAL_MARKER = secrets.token_hex(8)
_MARKED_DECIMAL = re.compile(f'"{_DECIMAL_MARKER}(-?[0-9.]+){_DECIMAL_MARKER}"')


def _marked_decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("an amount must be a finite number")
        return f"{_DECIMAL_MARKER}{format(value, 'f')}{_DECIMAL_MARKER}"
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def encode_json(payload: Any) -> bytes:
    """JSON where a Decimal is written as its exact decimal text (a JSON number, not a string),
    so 10.55 leaves as `10.55`, never as a float approximation."""
    text = json.dumps(payload, default=_marked_decimal, ensure_ascii=False,
                      separators=(",", ":"))
    return _MARKED_DECIMAL.sub(r"\1", text).encode("utf-8")


def backoff_delay(attempt: int) -> float:
    """0.1-0.2 s before the first retry, 0.2-0.3 s before the second, at most 0.5 s."""
    base = min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2**attempt)
    return base + random.uniform(0, RETRY_JITTER)  # noqa: S311 (jitter, not security)


class Transport:
    """Sends one logical call, retrying it only when the caller says it is safe."""

    def __init__(
        self,
        base_url: str,
        account_id: str,
        secret_key: str,
        *,
        session: requests.Session,
        timeout: tuple[float, float],
        read_retries: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.read_retries = max(0, read_retries)
        self.sleep = sleep
        self._auth = (account_id, secret_key)
        token = base64.b64encode(f"{account_id}:{secret_key}".encode()).decode()
        self._secrets = [s for s in (secret_key, token) if s]

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        private: bool = True,
        retry: bool = False,
        parse: Callable[[Any], T],
    ) -> T:
        """`parse` of a successful answer's JSON; raises the mapped `ProviderError`. When
        `retry`, an outcome-unknown failure (unreadable answers included) is tried again."""
        attempts = 1 + (self.read_retries if retry else 0)
        for attempt in range(attempts):
            try:
                answer = self._attempt(method, path, params=params, body=body, private=private)
                return parse(answer)
            except ProviderUnavailable:
                if attempt + 1 >= attempts:
                    raise
                self.sleep(backoff_delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, method: str, path: str, *, params: Mapping[str, Any] | None, body: Any,
        private: bool,
    ) -> Any:
        headers = {"Accept": "application/json"}
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = encode_json(body)
        started = time.monotonic()
        status: int | str = "no-answer"
        error: ProviderError | None = None
        try:
            response = self.session.request(
                method, self.base_url + path, params=params, data=data, headers=headers,
                auth=self._auth if private else None, timeout=self.timeout,
                allow_redirects=False,
            )
            status = response.status_code
            error = error_for(response)
        except requests.RequestException as exc:
            error = error_for(exc)
            error.__cause__ = exc
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.info("paymega %s %s -> %s in %.0f ms", method, path, status, elapsed_ms)
            observe_provider_call(method, path, elapsed_ms / 1000, error)
        if error is not None:
            raise self._redacted(error)
        return json_of(response)

    def _redacted(self, error: ProviderError) -> ProviderError:
        message = error.message
        for secret in self._secrets:
            message = message.replace(secret, "[redacted]")
        error.message = message
        error.args = (message,)
        return error
