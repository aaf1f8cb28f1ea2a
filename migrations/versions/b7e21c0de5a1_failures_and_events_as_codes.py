"""failures and timeline events stored as codes with parameters

Before: `payouts.last_error` and `batch_rows.failure` held English sentences
("ServerError 500: Paymega answered 500 …"), and `payout_events.message` an English note.
After: both failures are JSON `{"kind": "ServerError", "http_status": 500,
"provider_message": "…"}` and an event's parameters live in `payout_events.details`
(`failure`, `reason`, `source`, `batch_id` …); pages word them in the reader's language.

Existing rows are converted here, once (this is the only place that reads the old sentences).
A sentence that fits no known shape is kept as `{"kind": "LegacyText", "text": …}` and shown
as it was. The downgrade writes sentences back in the old shapes.

Revision ID: b7e21c0de5a1
Revises: 63c8e8f8413d
Create Date: 2026-11-29 14:40:00
"""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "b7e21c0de5a1"
down_revision = "63c8e8f8413d"
branch_labels = None
depends_on = None

PROVIDER_KINDS = {
    "ServerError", "ProviderTimeout", "ProviderConnectionError", "MalformedResponse",
    "Unauthorized", "Forbidden", "MethodNotAllowed", "ValidationFailed", "BadRequest",
    "NotFound", "Conflict", "ProviderRejected", "ProviderError",
}
DESK_SENTENCES = {
    "batch run interrupted during create": "BatchInterrupted",
    "batch run interrupted": "BatchInterrupted",
    "no answer was stored": "NoAnswerStored",
    "provider answered 409 but the invoice is still created": "ConflictStillCreated",
    "processing refused": "ProcessRefused",
    "failed at the provider": "FailedAtProvider",
}
OLD_SENTENCE = {kind: text for text, kind in reversed(DESK_SENTENCES.items())}
FAILURE_EVENTS = {"failed_to_create", "process_refused", "processing_unknown",
                  "creation_unknown"}
PROVIDER_FAILED_STATUSES = {"failed", "process_failed", "expired", "terminated", "canceled",
                            "partially_canceled", "cancel_failed"}
SHAPE = re.compile(r"^(?P<kind>[A-Za-z]+)(?: (?P<status>\d{3}))?: (?P<rest>.*)$", re.S)
ANSWERED = re.compile(r"^Paymega answered \d{3}(?: [A-Z][A-Z -]*)?(?:: (?P<detail>.*))?$", re.S)


def failure_from_text(text: str | None) -> dict[str, Any] | None:
    """One old failure sentence as a failure code with its parameters."""
    if not text or not text.strip():
        return None
    text = text.strip()
    if text in DESK_SENTENCES:
        return {"kind": DESK_SENTENCES[text]}
    first, sep, then = text.partition("; ")
    found = SHAPE.match(first)
    if found and found.group("kind") in PROVIDER_KINDS:
        result: dict[str, Any] = {"kind": found.group("kind")}
        if found.group("status"):
            result["http_status"] = int(found.group("status"))
        answered = ANSWERED.match(found.group("rest"))
        if answered and answered.group("detail"):
            result["provider_message"] = answered.group("detail")
        if sep and (later := failure_from_text(then)):
            result["then"] = later
        return result
    if re.fullmatch(r"[A-Z][A-Z_]+", text):
        return {"kind": "Resolution", "code": text}
    if text.lower() in PROVIDER_FAILED_STATUSES:
        return {"kind": "FailedAtProvider", "status": text.lower()}
    return {"kind": "LegacyText", "text": text}


def text_from_failure(value: dict[str, Any] | None) -> str | None:
    """The downgrade's way back: a failure code as the old kind of sentence."""
    if not isinstance(value, dict) or not value.get("kind"):
        return None
    kind = value["kind"]
    if kind == "LegacyText":
        text = str(value.get("text") or "")
    elif kind == "Resolution":
        text = str(value.get("code") or "")
    elif kind == "Rejected":
        text = str(value.get("reason") or "")
    elif kind in OLD_SENTENCE:
        text = OLD_SENTENCE[kind]
    else:
        status = f" {value['http_status']}" if value.get("http_status") else ""
        detail = value.get("provider_message")
        text = f"{kind}{status}: " + (f"Paymega answered{status}: {detail}" if detail else kind)
        if value.get("then"):
            text += "; " + (text_from_failure(value["then"]) or "")
    return text[:1024] or None


def details_from_message(kind: str, message: str | None,
                         details: dict[str, Any] | None) -> dict[str, Any] | None:
    """An old event note folded into the event's parameters."""
    merged = dict(details or {})
    if not message:
        return merged or None
    merged.pop("http_status", None)  # kept inside the failure now
    if kind in FAILURE_EVENTS:
        merged["failure"] = failure_from_text(message)
    elif kind == "first_approval":
        merged["above_limit"] = True
    elif kind == "rejected":
        merged["reason"] = message
    elif kind in {"stale_update_ignored", "final_status_kept"}:
        merged["source"] = message
    elif kind == "approved_in_batch" and (number := re.search(r"\d+", message)):
        merged["batch_id"] = int(number.group())
    elif kind in {"resubmitted", "resubmission_of"} and (number := re.search(r"\d+", message)):
        merged["payout_id"] = int(number.group())
    elif kind == "create_retried":
        pass  # "not found by reference_id": the kind says it all
    else:
        merged["failure"] = {"kind": "LegacyText", "text": message}
    return merged or None


def message_from_details(kind: str, details: dict[str, Any] | None) -> str | None:
    details = details or {}
    if details.get("failure"):
        return text_from_failure(details["failure"])
    if kind == "first_approval" and details.get("above_limit"):
        return "above the approver's limit: a second manager must approve"
    if details.get("reason"):
        return str(details["reason"])[:1024]
    if details.get("source"):
        return str(details["source"])
    if details.get("batch_id"):
        return f"batch {details['batch_id']}"
    if details.get("payout_id"):
        return f"#{details['payout_id']}"
    if kind == "create_retried":
        return "not found by reference_id"
    return None


def _convert_column(table: str, column: str, new_type: sa.types.TypeEngine,
                    convert: Any) -> None:
    """Replace `table.column` by a column of `new_type` holding `convert(old value)`."""
    staging = f"{column}_new"
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(staging, new_type, nullable=True))
    old = sa.table(table, sa.column("id", sa.Integer),
                   sa.column(column, sa.JSON if isinstance(new_type, sa.String) else sa.Text),
                   sa.column(staging, new_type))
    connection = op.get_bind()
    rows = connection.execute(sa.select(old.c.id, old.c[column])
                              .where(old.c[column].is_not(None))).all()
    for row_id, value in rows:
        connection.execute(old.update().where(old.c.id == row_id)
                           .values({staging: convert(value)}))
    with op.batch_alter_table(table) as batch:
        batch.drop_column(column)
    with op.batch_alter_table(table) as batch:
        batch.alter_column(staging, new_column_name=column, existing_type=new_type,
                           existing_nullable=True)


def upgrade() -> None:
    _convert_column("payouts", "last_error", sa.JSON(), failure_from_text)
    _convert_column("batch_rows", "failure", sa.JSON(), failure_from_text)
    events = sa.table("payout_events", sa.column("id", sa.Integer),
                      sa.column("kind", sa.String), sa.column("message", sa.String),
                      sa.column("details", sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events.c.id, events.c.kind, events.c.message,
                                        events.c.details)
                              .where(events.c.message.is_not(None))).all()
    for event_id, kind, message, details in rows:
        connection.execute(events.update().where(events.c.id == event_id).values(
            details=details_from_message(kind, message, details)))
    with op.batch_alter_table("payout_events") as batch:
        batch.drop_column("message")


def downgrade() -> None:
    with op.batch_alter_table("payout_events") as batch:
        batch.add_column(sa.Column("message", sa.String(length=1024), nullable=True))
    events = sa.table("payout_events", sa.column("id", sa.Integer),
                      sa.column("kind", sa.String), sa.column("message", sa.String),
                      sa.column("details", sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events.c.id, events.c.kind, events.c.details)
                              .where(events.c.details.is_not(None))).all()
    for event_id, kind, details in rows:
        message = message_from_details(kind, details)
        if message:
            connection.execute(events.update().where(events.c.id == event_id)
                               .values(message=message))
    _convert_column("batch_rows", "failure", sa.String(length=1024), text_from_failure)
    _convert_column("payouts", "last_error", sa.String(length=1024), text_from_failure)
