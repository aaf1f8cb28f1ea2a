"""Creating a payout: store it first, then ask the provider, following the spec's rules on
409, 5xx and 4xx so no payout is lost and none is created twice.

A create from the form costs two commits: the row (with its first timeline line and its first
attempt counted) before the provider call, durable; the provider's answer after it. Nothing
else is committed on the way (the profile of the create POST was mostly commits)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, User
from webapp.observability.card_numbers import mask_optional
from webapp.payout_core.failures import NO_ANSWER_STORED, Failure, failure
from webapp.payout_core.gateway import provider_client
from webapp.payout_core.invoice_request import callback_url, invoice_request_for
from webapp.payout_core.outcomes import describe, fail_creation
from webapp.payout_core.recipient_digest import recipient_digest
from webapp.payout_core.recovery import adopt_from_conflict, queue_recovery
from webapp.payout_core.secrets import encrypt_fields, mask_fields
from webapp.payout_core.state import apply_invoice, move
from webapp.payout_core.timeline import add_event
from webapp.provider.errors import Conflict, ProviderError, ValidationFailed
from webapp.provider.types import PayoutService

log = logging.getLogger(__name__)
S = PayoutStatus


@dataclass(frozen=True)
class PayoutDraft:
    """A validated form, ready to be stored and sent."""

    service: PayoutService
    currency: str
    amount: Decimal
    fields: dict[str, str]
    submission_token: str
    customer_reference_id: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    description: str | None = None
    duplicate_of: tuple[int, ...] = ()  # earlier payouts it repeats, confirmed by the creator
    duplicate_reason: str | None = None
    # "Send again": the person who resent a refused payout (the creator stays the original's).
    resent_by_id: int | None = None


@dataclass
class SubmitOutcome:
    payout: Payout | None
    duplicate: bool = False
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def payout_id(self) -> int | None:
        """The payout's id without reading its row again (what a redirect needs)."""
        if self.payout is None:
            return None
        identity = inspect(self.payout).identity
        return int(identity[0]) if identity else self.payout.id


_BY_SUBMISSION_TOKEN = select(Payout).where(Payout.submission_token == bindparam("token"))
_SUBMISSION = (select(Payout.id, Payout.created_by_id, Payout.resent_by_id)
               .where(Payout.submission_token == bindparam("token")))


@dataclass(frozen=True)
class Submission:
    """Which payout a form's token produced, and for whom: all a second click needs to know."""

    payout_id: int
    created_by_id: int
    resent_by_id: int | None

    def made_by(self, user_id: int) -> bool:
        return user_id in (self.created_by_id, self.resent_by_id)


def submission_of(submission_token: str) -> Submission | None:
    """Three columns, not the whole row: every create asks, and almost always finds nothing."""
    row = db.session.execute(_SUBMISSION, {"token": submission_token}).first()
    return Submission(*row) if row is not None else None


def payout_for_submission(submission_token: str) -> Payout | None:
    """The payout a form's one-time token already produced, if any."""
    return db.session.scalar(_BY_SUBMISSION_TOKEN, {"token": submission_token})


def store_payout(draft: PayoutDraft, creator: User, *, sending: bool = False,
                 reference_id: str | None = None,
                 also_store: Callable[[Payout], None] | None = None,
                 look_first: bool = True) -> tuple[Payout, bool]:
    """Write the row (and its first timeline line) before the provider hears of it; `sending`
    counts the create call about to be made in the same commit, and `also_store` adds what
    the caller keeps with a new payout (its audit line, its links) to that commit too.
    Returns (payout, created); a reused submission token returns the first payout: looked up
    first, or (`look_first=False`, for callers that just did) found when the token's unique
    index refuses the row, which rolls back the session's pending changes."""
    existing = payout_for_submission(draft.submission_token) if look_first else None
    if existing is not None:
        return existing, False
    payout = Payout(
        reference_id=reference_id or str(uuid.uuid4()),
        submission_token=draft.submission_token,
        status=S.AWAITING_APPROVAL.value,
        amount=draft.amount,
        currency=draft.currency,
        service_code=draft.service.code,
        method_code=draft.service.method,
        service_snapshot=draft.service.to_snapshot(),
        fields_masked=mask_fields(draft.fields),
        fields_encrypted=encrypt_fields(draft.fields),
        recipient_digest=recipient_digest(draft.service.code, draft.currency, draft.fields,
                                          draft.amount),
        customer_reference_id=draft.customer_reference_id or str(uuid.uuid4()),
        # A card number typed into a free-text field is kept (and sent) masked.
        customer_name=mask_optional(draft.customer_name or None),
        customer_email=mask_optional(draft.customer_email or None),
        customer_phone=mask_optional(draft.customer_phone or None),
        description=mask_optional(draft.description or None),
        created_by_id=creator.id,
        attempts=1 if sending else 0,
        resent_by_id=draft.resent_by_id,
    )
    db.session.add(payout)
    try:
        db.session.flush()
        add_event(payout, "created", actor_id=creator.id, status_to=payout.status)
        if draft.duplicate_of:
            add_event(payout, "duplicate_confirmed", actor_id=creator.id,
                      reason=draft.duplicate_reason, duplicate_of=list(draft.duplicate_of))
        if also_store is not None:
            also_store(payout)
        _commit_as_written()
    except IntegrityError:
        # Two submits of one form raced; the other one stored it.
        db.session.rollback()
        existing = payout_for_submission(draft.submission_token)
        if existing is None:
            raise
        return existing, False
    return payout, True


def send_to_provider(payout: Payout) -> dict[str, str]:
    """POST the invoice once; returns provider field errors (422), else {}.
    Outcomes the provider hides (5xx, timeout, dropped connection, garbage) go to recovery."""
    payout.attempts += 1
    db.session.commit()
    return _call_provider(payout)


def _call_provider(payout: Payout) -> dict[str, str]:
    """The create call for a stored row whose attempt is already counted and committed."""
    try:
        invoice = provider_client().create_invoice(invoice_request_for(payout, callback_url()))
    except ValidationFailed as exc:
        fail_creation(payout, exc)
        return _field_errors(exc)
    except Conflict as conflict:
        # The reference is known there: the answer carries that invoice (the spec's
        # directive); only a 409 without one is looked up by reference, in the worker.
        if adopt_from_conflict(payout, conflict):
            return {}
        _creation_unknown(payout, describe(conflict))
        return {}
    except ProviderError as exc:
        if exc.nothing_created:
            fail_creation(payout, exc)
            return {}
        # 5xx, timeout, dropped, unreadable, 400: the worker looks it up by reference.
        _creation_unknown(payout, describe(exc))
        return {}
    apply_invoice(payout, invoice, source="sent_to_provider", deciding_only=True)
    _commit_answer()
    return {}


def _creation_unknown(payout: Payout, reason: Failure) -> None:
    if move(payout.id, [S.AWAITING_APPROVAL], S.CREATION_UNKNOWN, last_error=reason):
        add_event(payout, "creation_unknown", status_from=S.AWAITING_APPROVAL.value,
                  status_to=S.CREATION_UNKNOWN.value, failure=reason)
    db.session.commit()
    queue_recovery(payout.id)


def submit_payout(draft: PayoutDraft, creator: User,
                  also_store: Callable[[Payout], None] | None = None) -> SubmitOutcome:
    """Two commits: the row before the call (durable), the answer after it. Callers have
    looked up the form's token already (a second click is answered before this); a race
    of two clicks is still caught by the token's unique index."""
    reference_id = str(uuid.uuid4())
    try:
        payout, created = store_payout(draft, creator, sending=True, reference_id=reference_id,
                                       also_store=also_store, look_first=False)
        if not created:
            return SubmitOutcome(payout=payout, duplicate=True)
        errors = _call_provider(payout)
        # Its row may have moved by UPDATE statements: read it again when next used (a
        # redirect needs only the id, so the create ends without another SELECT).
        db.session.expire(payout)
    except DBAPIError as error:
        stored = (_connection_lost(draft.submission_token, reference_id)
                  if error.connection_invalidated else None)
        if stored is None:
            raise  # nothing of ours is known: the request fails (webapp/db_retry.py answers)
        # Its row is stored and in recovery's hands (or already answered): show it.
        return SubmitOutcome(payout=stored)
    return SubmitOutcome(payout=payout, field_errors=errors)


def _connection_lost(submission_token: str, reference_id: str) -> Payout | None:
    """The database connection died during this create. If the row was stored but the
    provider's answer was not, the invoice may exist there: the payout is creation_unknown
    and goes to recovery now, which looks it up by reference_id before creating anything.
    Left as it was, it would wait "for approval" with no invoice, refused to every manager,
    until the polling pass found it stale. Only the row this request wrote (its reference_id)
    is touched: its create call is over, so the look-up cannot race it. A row another click
    of the same form wrote may still have its call in flight: left alone.
    Returns this request's payout once it is safe (answered, or handed to recovery), else
    None: nothing stored, another click's row, or the database still away."""
    try:
        db.session.rollback()
        payout = payout_for_submission(submission_token)
        if payout is None or payout.reference_id != reference_id:
            return None
        if payout.provider_invoice_id is not None:
            return payout
        reason = failure(NO_ANSWER_STORED)
        if move(payout.id, [S.AWAITING_APPROVAL], S.CREATION_UNKNOWN,
                Payout.provider_invoice_id.is_(None), last_error=reason):
            add_event(payout, "creation_unknown", status_from=S.AWAITING_APPROVAL.value,
                      status_to=S.CREATION_UNKNOWN.value, failure=reason)
        db.session.commit()
        db.session.refresh(payout)
        if payout.status_enum == S.CREATION_UNKNOWN:
            queue_recovery(payout.id)
        db.session.refresh(payout)
        return payout
    except Exception:  # the database or the queue is still away
        log.warning("create interrupted; the polling pass will look its payout up",
                    exc_info=True)
        with suppress(DBAPIError):
            db.session.rollback()
        return None


def _commit_as_written() -> None:
    """Commit without expiring the session's objects: the new row holds exactly what was just
    written, so reading it back before the provider call would only cost a SELECT."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _commit_answer() -> None:
    """Commit the provider's answer. On PostgreSQL this one transaction does not wait for its
    log to reach the disk (`synchronous_commit` off, for it alone): a database crash in the
    next moments could only take the row back to "stored, no answer", which recovery resolves
    by reference_id, exactly as after a crash of our process during the call. The row itself
    was committed durably before the call."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.commit()


def _field_errors(exc: ValidationFailed) -> dict[str, str]:
    """Provider paths (`amount`, `fields.card_number`, `customer.email`) → our field names."""
    errors: dict[str, str] = {}
    for path, message in exc.field_errors.items():
        key = path.removeprefix("data.").removeprefix("attributes.")
        key = key.removeprefix("fields.").removeprefix("fields[").rstrip("]")
        errors[key or "__all__"] = message
    return errors or {"__all__": exc.message}
