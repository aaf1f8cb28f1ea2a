"""The payout state machine: one Enum, one transition table, one typed error for illegal moves."""

from __future__ import annotations

import enum


class PayoutStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # stored; invoice created (or being created)
    CREATION_UNKNOWN = "creation_unknown"  # create call failed in a way that hides its outcome
    FAILED_TO_CREATE = "failed_to_create"  # provider said no (401/403/405/422): nothing there
    REJECTED = "rejected"  # a manager said no; the provider was never asked to process
    APPROVED = "approved"  # approval won the race; the process call is about to go or in flight
    PROCESSING_UNKNOWN = "processing_unknown"  # process call failed in a way that hides its outcome
    PROCESSING = "processing"  # provider accepted the process call; not final yet
    PROCESSED = "processed"
    PARTIALLY_PROCESSED = "partially_processed"
    FAILED = "failed"  # provider's final non-success (process_failed, expired, canceled, ...)


S = PayoutStatus

FINAL_STATUSES: frozenset[PayoutStatus] = frozenset(
    {S.FAILED_TO_CREATE, S.REJECTED, S.PROCESSED, S.PARTIALLY_PROCESSED, S.FAILED}
)
PROVIDER_FINAL = {S.PROCESSED, S.PARTIALLY_PROCESSED, S.FAILED}

TRANSITIONS: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    # The provider may end an unapproved invoice (expired) or someone may process it outside
    # the desk; both are recorded, never hidden.
    S.AWAITING_APPROVAL: frozenset(
        {S.CREATION_UNKNOWN, S.FAILED_TO_CREATE, S.APPROVED, S.REJECTED, S.PROCESSING,
         *PROVIDER_FINAL}
    ),
    S.CREATION_UNKNOWN: frozenset(
        {S.AWAITING_APPROVAL, S.FAILED_TO_CREATE, S.PROCESSING, *PROVIDER_FINAL}
    ),
    S.APPROVED: frozenset(
        {S.PROCESSING, S.PROCESSING_UNKNOWN, S.AWAITING_APPROVAL, *PROVIDER_FINAL}
    ),
    S.PROCESSING_UNKNOWN: frozenset({S.APPROVED, S.PROCESSING, *PROVIDER_FINAL}),
    S.PROCESSING: frozenset(PROVIDER_FINAL),
    **{final: frozenset() for final in FINAL_STATUSES},
}


class IllegalTransition(ValueError):
    """A move the state machine forbids, e.g. a final status changing again."""

    def __init__(self, current: PayoutStatus, target: PayoutStatus) -> None:
        super().__init__(f"payout cannot move from {current.value} to {target.value}")
        self.current = current
        self.target = target


def check_transition(current: PayoutStatus, target: PayoutStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


# Provider invoice statuses (DESIGN.md) and what each means for us once processing was asked.
PROVIDER_FINAL_STATUSES = frozenset({
    "processed", "process_failed", "partially_processed", "expired", "terminated",
    "canceled", "partially_canceled", "cancel_failed",
})


def is_provider_final(provider_status: str | None) -> bool:
    return (provider_status or "").lower() in PROVIDER_FINAL_STATUSES


def status_from_provider(provider_status: str) -> PayoutStatus:
    """Our status for a payout whose processing was requested, given the provider's status."""
    value = provider_status.lower()
    if value == "processed":
        return S.PROCESSED
    if value == "partially_processed":
        return S.PARTIALLY_PROCESSED
    if value in PROVIDER_FINAL_STATUSES:
        return S.FAILED
    return S.PROCESSING
