"""Why something failed, stored as data: a kind (a code) and its parameters, never a sentence.

A provider failure is `{"kind": "ServerError", "http_status": 500, "provider_message": "…"}`
(the kind is the exception class: one per failure kind, see provider/errors.py); the desk's own
reasons have kinds of their own (`NO_ANSWER_STORED` …). Pages translate the kind when they show
it (payout_core/labels.py `failure_text`); the provider's own words are kept as data beside it.
"""

from __future__ import annotations

from typing import Any

from webapp.provider.errors import ProviderError
from webapp.provider.mapping import _detail as provider_detail

Failure = dict[str, Any]

# The desk's own reasons (no provider answer behind them).
NO_ANSWER_STORED = "NoAnswerStored"  # a create was sent but its answer never recorded
BATCH_INTERRUPTED = "BatchInterrupted"  # the batch run stopped during a create
CONFLICT_STILL_CREATED = "ConflictStillCreated"  # 409 on process, yet the invoice is `created`
PROCESS_REFUSED = "ProcessRefused"  # the provider would not process (details unknown)
FAILED_AT_PROVIDER = "FailedAtProvider"  # the provider's final status is a failure
REJECTED = "Rejected"  # a manager said no; `reason` is their text
RESOLUTION = "Resolution"  # the provider's resolution code says why (`code`)
LEGACY_TEXT = "LegacyText"  # a sentence stored before codes (migration); shown as stored


def failure_of(exc: ProviderError) -> Failure:
    """The failure kind of a provider error with its parameters: the HTTP status and the
    provider's own error text from its answer (our exception messages are for logs)."""
    detail = provider_detail(exc.body) if exc.body is not None else None
    return failure(type(exc).__name__, http_status=exc.status_code,
                   provider_message=str(detail)[:500] if detail else None)


def failure(kind: str, **params: Any) -> Failure:
    return {"kind": kind, **{k: v for k, v in params.items() if v is not None}}


def failure_kind(value: Failure | None) -> str | None:
    return value.get("kind") if isinstance(value, dict) else None
