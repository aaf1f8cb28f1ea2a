"""The payout state machine: one Enum, one transition table, one typed error for illegal moves,
and every named group of statuses the rest of the code asks about (nowhere else)."""

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
UNKNOWN_STATUSES: frozenset[PayoutStatus] = frozenset(
    {S.CREATION_UNKNOWN, S.PROCESSING_UNKNOWN}
)
PROVIDER_FINAL = frozenset({S.PROCESSED, S.PARTIALLY_PROCESSED, S.FAILED})
# The provider accepted processing (or finished it successfully): money is moving or moved.
PAID_OR_PAYING: frozenset[PayoutStatus] = frozenset(
    {S.PROCESSING, S.PROCESSED, S.PARTIALLY_PROCESSED})
# Approved, and the desk does not know yet whether the provider took the process request.
SEND_UNCONFIRMED: frozenset[PayoutStatus] = frozenset({S.APPROVED, S.PROCESSING_UNKNOWN})
# A batch row whose payout's fate the desk does not know yet.
ROW_UNDECIDED: frozenset[PayoutStatus] = UNKNOWN_STATUSES | {S.APPROVED}
# Open at the provider and known to us: only read, never sent anything.
READ_ONLY_OPEN: frozenset[PayoutStatus] = frozenset({S.PROCESSING, S.AWAITING_APPROVAL})
# A person may ask for a fresh read ("check again") while the status can still change here.
CHECKABLE: frozenset[PayoutStatus] = UNKNOWN_STATUSES | {S.APPROVED, S.PROCESSING}
# What an operator should look at again: refused, failed, or an unknown outcome (in the
# order the dashboard lists them).
TO_FIX: tuple[PayoutStatus, ...] = (S.FAILED_TO_CREATE, S.CREATION_UNKNOWN,
                                    S.PROCESSING_UNKNOWN, S.FAILED)
# Ended without paying: repeating such a payout is not a duplicate; a retry is a new attempt.
ENDED_UNPAID: frozenset[PayoutStatus] = frozenset({S.REJECTED, S.FAILED_TO_CREATE, S.FAILED})
RETRY_AS_NEW: frozenset[PayoutStatus] = frozenset({S.FAILED_TO_CREATE, S.FAILED})
# The provider paid it, in full or in part.
PAID_OUT: frozenset[PayoutStatus] = frozenset({S.PROCESSED, S.PARTIALLY_PROCESSED})
# Everything that may still pay (or paid): what a duplicate check compares against.
MAY_PAY: frozenset[PayoutStatus] = frozenset(S) - ENDED_UNPAID
# Stored, and the invoice not confirmed yet: a definite create refusal ends these.
CREATE_UNCONFIRMED: frozenset[PayoutStatus] = frozenset({S.AWAITING_APPROVAL,
                                                        S.CREATION_UNKNOWN})
# The attention page: the above and approvals whose process answer is not stored yet.
NEEDS_ATTENTION: frozenset[PayoutStatus] = frozenset({*TO_FIX, S.APPROVED})


def values(group: frozenset[PayoutStatus]) -> list[str]:
    """The group's values for SQL (`Payout.status.in_(values(GROUP))`), in a stable order."""
    return sorted(s.value for s in group)


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
    # Back to the queue when a re-sent process request is refused outright.
    S.PROCESSING_UNKNOWN: frozenset(
        {S.APPROVED, S.PROCESSING, S.AWAITING_APPROVAL, *PROVIDER_FINAL}),
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
