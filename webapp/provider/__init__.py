"""The Paymega payout API client: typed results, one exception per failure kind."""

from webapp.provider.client import PaymegaClient
from webapp.provider.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    MalformedResponse,
    MethodNotAllowed,
    NotFound,
    ProviderConnectionError,
    ProviderError,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    ServerError,
    Unauthorized,
    ValidationFailed,
)

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "MalformedResponse",
    "MethodNotAllowed",
    "NotFound",
    "PaymegaClient",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderRejected",
    "ProviderTimeout",
    "ProviderUnavailable",
    "ServerError",
    "Unauthorized",
    "ValidationFailed",
]
