"""One exception per way a provider call can fail.

`outcome_unknown` tells the caller whether the provider may have acted anyway (5xx, timeout,
dropped connection, unreadable answer): those must be resolved by reading, never by guessing.
`nothing_created` marks answers after which the spec says no operation exists at the provider.
"""

from __future__ import annotations

from typing import Any


class ProviderError(Exception):
    """Base of every provider failure. `status_code` is None when no HTTP answer arrived."""

    outcome_unknown: bool = False
    nothing_created: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body


class ProviderRejected(ProviderError):
    """A definite 'no' from the provider: 401, 403, 405, 422 and other 4xx."""

    nothing_created = True


class Unauthorized(ProviderRejected):
    """401: credentials wrong or missing."""


class Forbidden(ProviderRejected):
    """403: credentials known but not allowed."""


class MethodNotAllowed(ProviderRejected):
    """405: the method is disabled for this account."""


class ValidationFailed(ProviderRejected):
    """422: semantic errors; `field_errors` maps a field path (e.g. `amount`, `fields.card_number`)
    to its message."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, str] | None = None,
        status_code: int | None = 422,
        body: Any = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.field_errors = field_errors or {}


class BadRequest(ProviderRejected):
    """Any other 4xx (400 included). For 400 the spec says: check the status before repeating."""

    nothing_created = False


class NotFound(ProviderError):
    """404: no such resource (invoice, service)."""


class Conflict(ProviderError):
    """409: the reference_id (or the processing) is already known to the provider.
    `invoice` is the existing invoice when the answer's body carries it (the client fills it)."""

    invoice: Any = None


class ProviderUnavailable(ProviderError):
    """The provider may or may not have acted; resolve by reading."""

    outcome_unknown = True


class ServerError(ProviderUnavailable):
    """5xx."""


class ProviderTimeout(ProviderUnavailable):
    """No answer within the read timeout (or connect timeout)."""


class ProviderConnectionError(ProviderUnavailable):
    """Connection refused, reset or dropped mid-answer."""


class MalformedResponse(ProviderUnavailable):
    """A 2xx (or error) body that is not the JSON the spec promises."""
