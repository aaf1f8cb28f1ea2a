"""Human names for our statuses (short, for badges) and what each means for the money, the
provider's statuses and its resolution codes."""

from __future__ import annotations

from typing import Any

from webapp.extensions import db
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import PayoutEvent, PayoutStatus, User
from webapp.payout_core import failures

S = PayoutStatus

STATUS_LABELS = {
    S.AWAITING_APPROVAL: _l("Awaiting approval"),
    S.CREATION_UNKNOWN: _l("Checking with provider"),
    S.FAILED_TO_CREATE: _l("Not created"),
    S.REJECTED: _l("Rejected"),
    S.APPROVED: _l("Approved, sending"),
    S.PROCESSING_UNKNOWN: _l("Processing: checking with provider"),
    S.PROCESSING: _l("Processing"),
    S.PROCESSED: _l("Paid"),
    S.PARTIALLY_PROCESSED: _l("Partially paid"),
    S.FAILED: _l("Failed"),
}

# Said beside the badge on a payout's page: where the money is.
STATUS_MONEY = {
    S.AWAITING_APPROVAL: _l("Awaiting approval; not paid yet"),
    S.CREATION_UNKNOWN: _l("Checking whether the provider created it"),
    S.FAILED_TO_CREATE: _l("Not created; no money moved"),
    S.REJECTED: _l("Rejected; no money moved"),
    S.APPROVED: _l("Approved; asking the provider to pay"),
    S.PROCESSING_UNKNOWN: _l("Payment asked for; checking with the provider"),
    S.PROCESSING: _l("Being paid by the provider"),
    S.FAILED: _l("Payment failed; not paid"),
}

STATUS_BADGES = {
    S.AWAITING_APPROVAL: "wait", S.APPROVED: "info", S.PROCESSING: "info",
    S.CREATION_UNKNOWN: "unknown", S.PROCESSING_UNKNOWN: "unknown",
    S.PROCESSED: "ok", S.PARTIALLY_PROCESSED: "wait",
    S.FAILED_TO_CREATE: "bad", S.REJECTED: "bad", S.FAILED: "bad",
}

PROVIDER_STATUS_LABELS = {
    "created": _l("Created"),
    "processing": _l("Processing"),
    "process_pending": _l("Processing pending"),
    "process_error": _l("Processing error (provider retrying)"),
    "processed": _l("Processed"),
    "process_failed": _l("Processing failed"),
    "partially_processed": _l("Partially processed"),
    "expired": _l("Expired"),
    "terminated": _l("Terminated"),
    "canceled": _l("Canceled"),
    "partially_canceled": _l("Partially canceled"),
    "cancel_failed": _l("Cancel failed"),
    "canceling": _l("Canceling"),
    "cancel_pending": _l("Cancel pending"),
    "cancel_error": _l("Cancel error"),
}

# (what it means, what to do)
RESOLUTIONS = {
    "ok": (_l("No error."), _l("Nothing to do.")),
    "connection_error": (_l("The provider could not reach the payment system."),
                         _l("The provider may retry; wait and check the status.")),
    "connection_timeout_error": (_l("The payment system did not answer in time."),
                                 _l("The provider may retry; wait and check the status.")),
    "provider_internal_error": (_l("The payment system had an internal error."),
                                _l("The provider may retry or send it to manual review.")),
    "general_error": (_l("A general error at the provider."),
                      _l("Wait for the final status; contact provider support if it persists.")),
    "unknown": (_l("The outcome is not known yet."),
                _l("Wait for the final status; the provider is checking.")),
    "invalid_details": (_l("The recipient details are invalid."),
                        _l("Check the recipient details and create a new payout.")),
    "invalid_request": (_l("The request was invalid."),
                        _l("Check the payout data and create a new payout.")),
    "request_error": (_l("The request could not be processed."),
                      _l("Check the payout data and create a new payout.")),
    "invalid_amount": (_l("The amount is not accepted."),
                       _l("Check the service limits and create a new payout.")),
    "invalid_method": (_l("The payout method is not available."),
                       _l("Choose another service.")),
    "invalid_credentials": (_l("The provider rejected our credentials."),
                            _l("Ask an administrator to check the API keys.")),
    "forbidden_ip": (_l("The provider refused our server's address."),
                     _l("Ask an administrator to check the IP allow-list.")),
    "signature_error": (_l("The request signature was wrong."),
                        _l("Ask an administrator to check the API keys.")),
    "duplicated_id": (_l("A payout with this reference already exists."),
                      _l("Find the existing payout instead of creating another.")),
    "insufficient_funds": (_l("The account balance is too low."),
                           _l("Top up the balance, then create a new payout.")),
    "antifraud_error": (_l("Stopped by anti-fraud checks."),
                        _l("Contact provider support before trying again.")),
    "declined_error": (_l("Declined by the payment system."),
                       _l("Check the recipient or use another service.")),
    "recipient_not_found": (_l("The recipient was not found."),
                            _l("Check the recipient details.")),
    "invalid_recipient": (_l("The recipient cannot receive this payout."),
                          _l("Check the recipient details or use another service.")),
    "limit_violation": (_l("A limit was exceeded."),
                        _l("Lower the amount or try later.")),
    "internal_error": (_l("The provider had an internal error."),
                       _l("Contact provider support.")),
    "access_error": (_l("Access was refused."), _l("Ask an administrator to check the account.")),
    "access_denied": (_l("Access was denied."), _l("Ask an administrator to check the account.")),
    "general_fatal_error": (_l("A fatal error at the provider."),
                            _l("Contact provider support.")),
    "operation_expired": (_l("The operation expired."), _l("Create a new payout.")),
    "processing_error": (_l("Processing failed at the payment system."),
                         _l("Check the recipient or try another service.")),
}


# What happened, worded by what it means for the money.
EVENT_LABELS = {
    "created": _l("Saved on the desk; being sent to the provider"),
    "duplicate_confirmed": _l("Created despite a possible duplicate"),
    "sent_to_provider": _l("Created at the provider; waiting for approval"),
    "creation_unknown": _l("No clear answer from the provider; checking whether it was created"),
    "create_retried": _l("Not found at the provider; created again with the same reference"),
    "adopted": _l("Found at the provider"),
    "adopted_from_conflict": _l("Found at the provider (its answer named the invoice)"),
    "failed_to_create": _l("The provider refused to create it; no money moved"),
    "first_approval": _l("First approval; a second manager must approve"),
    "approved": _l("Approved; asking the provider to pay"),
    "approved_in_batch": _l("Approved with its batch; asking the provider to pay"),
    "rejected": _l("Rejected; no money moved"),
    "process_requested": _l("The provider accepted the request to pay"),
    "process_accepted": _l("Being paid by the provider; waiting for the result"),
    "process_conflict": _l("The provider was already paying it"),
    "process_refused": _l("The provider refused to pay it"),
    "process_resent": _l("Asked the provider to pay again"),
    "processing_unknown": _l("No clear answer to the request to pay; checking with the provider"),
    "recovered": _l("Checked with the provider"),
    "polled": _l("Status checked with the provider"),
    "callback": _l("Notification from the provider"),
    "stale_update_ignored": _l("An older update from the provider was ignored"),
    "final_status_kept": _l("The provider reported a change after the final status; kept"),
    "resubmitted": _l("Sent again as a new payout"),
    "resubmission_of": _l("New attempt of an earlier payout"),
    "copy_again_of": _l("Paid again: a copy of an earlier payout"),
    "copy_fix_of": _l("Fixed and resent: a corrected copy of an earlier payout"),
    "copied_again": _l("Paid again as a new payout"),
    "copied_fix": _l("Fixed and resent as a new payout"),
    "preflight_refused": _l("Approval stopped: the provider's terms changed since creation"),
    "reconciliation": _l("Status settled by reconciliation with the provider"),
}


# What each failure kind means (webapp/payout_core/failures.py): provider error classes, then
# the desk's own reasons.
PROVIDER_ERRORS = {
    "ServerError": _l("The provider had an internal error."),
    "ProviderTimeout": _l("The provider did not answer in time."),
    "ProviderConnectionError": _l("The connection to the provider was lost."),
    "MalformedResponse": _l("The provider's answer could not be read."),
    "Unauthorized": _l("The provider refused our credentials."),
    "Forbidden": _l("The provider refused access."),
    "MethodNotAllowed": _l("The provider does not allow this operation for our account."),
    "ValidationFailed": _l("The provider found invalid data."),
    "BadRequest": _l("The provider could not process the request."),
    "NotFound": _l("The provider does not know this payout."),
    "Conflict": _l("The provider already has this operation."),
    failures.NO_ANSWER_STORED: _l("The desk stopped before the provider's answer was saved."),
    failures.BATCH_INTERRUPTED: _l("The batch run stopped while this payout was being created."),
    failures.CONFLICT_STILL_CREATED: _l(
        "The provider said it was already paying it, yet it still waits there."),
    failures.PROCESS_REFUSED: _l("The provider refused to pay it."),
    failures.FAILED_AT_PROVIDER: _l("The provider could not pay it."),
    failures.REJECTED: _l("Rejected by a manager."),
}


def failure_text(value: failures.Failure | None) -> str:
    """The translated meaning of a stored failure, from its kind (never from a display text)."""
    kind = failures.failure_kind(value)
    if not kind or value is None:
        return ""
    if kind == failures.RESOLUTION:
        found = resolution_text(value.get("code"))
        return found[0] if found else str(PROVIDER_ERRORS[failures.FAILED_AT_PROVIDER])
    if kind == failures.LEGACY_TEXT:
        return str(value.get("text") or "")
    meaning = PROVIDER_ERRORS.get(kind)
    return str(meaning) if meaning is not None else str(_l("Unexpected error."))


def provider_error(value: failures.Failure | None) -> str:
    """The Jinja filter: the meaning of a stored failure."""
    return failure_text(value)


def event_details(event: PayoutEvent) -> list[str]:
    """The event's parameters, worded: the failure's meaning, the provider's status, links.
    (User-entered text, such as a rejection reason, and the provider's own words are data: the
    template shows them as they are.)"""
    details = event.details or {}
    lines = []
    if details.get("failure"):
        lines.append(failure_text(details["failure"]))
    if details.get("above_limit"):
        lines.append(str(_l("Above the approver's limit.")))
    if details.get("source"):
        lines.append(str(_l("Reported by: %(source)s", source=event_label(details["source"]))))
    if details.get("provider_status"):
        lines.append(str(_l("Status at the provider: %(status)s",
                            status=provider_status_label(details["provider_status"]))))
    resolution = resolution_text(details.get("resolution"))
    if resolution and (details.get("resolution") or "").lower() != "ok":
        lines.append(resolution[0])
    if details.get("batch_id"):
        lines.append(str(_l("Batch #%(batch)s", batch=details["batch_id"])))
    if details.get("payout_id"):
        lines.append(str(_l("Payout #%(payout)s", payout=details["payout_id"])))
    lines += _lineage(details)
    return lines


def _username(user_id: object) -> str:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user.username if user is not None else f"#{user_id}"


def _lineage(details: dict[str, Any]) -> list[str]:
    """Who created and decided the original of a copy (stored as ids, named when shown)."""
    lines = []
    if details.get("original_creator_id"):
        lines.append(str(_l("The original was created by %(name)s, who cannot approve this copy.",
                            name=_username(details["original_creator_id"]))))
    if details.get("original_approver_ids"):
        lines.append(str(_l("The original was approved by %(names)s.", names=", ".join(
            _username(i) for i in details["original_approver_ids"]))))
    if details.get("original_rejected_by_id"):
        lines.append(str(_l("The original was rejected by %(name)s.",
                            name=_username(details["original_rejected_by_id"]))))
    return lines


def event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind


def status_money(status: str | None) -> str:
    """What the status means for the money ("" where the label says it all: paid)."""
    try:
        meaning = STATUS_MONEY.get(PayoutStatus(status))
    except ValueError:
        return ""
    return str(meaning) if meaning is not None else ""


def status_label(status: str | None) -> str:
    try:
        return str(STATUS_LABELS[PayoutStatus(status)])
    except ValueError:
        return status or ""


_BADGES_BY_VALUE = {status.value: badge for status, badge in STATUS_BADGES.items()}


def status_badge(status: str | None) -> str:
    return _BADGES_BY_VALUE.get(status or "", "info")


def provider_status_label(status: str | None) -> str:
    label = PROVIDER_STATUS_LABELS.get((status or "").lower())
    return str(label) if label is not None else (status or "")


def resolution_text(code: str | None) -> tuple[str, str] | None:
    """(meaning, advice) for a resolution code in any case; None for unknown codes."""
    found = RESOLUTIONS.get((code or "").lower())
    return (str(found[0]), str(found[1])) if found else None

