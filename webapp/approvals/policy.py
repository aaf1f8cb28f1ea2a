"""The one approval policy: may this manager approve this payout or batch now?

Single approvals, the queue's bulk action and batches (and a batch's retried rows) all ask
`decide()`. It is a pure function of a `Case` (facts loaded by webapp/approvals/facts.py), so
every rule is tested as a table. The rules, in the order they are checked:

- the approver holds the manager role, and not together with admin;
- nobody who controls the item approves it: its creator, whoever resent it, whoever uploaded
  or retried the batch, and for a copy ("pay again", "fix and resend") the original's creator;
- the relationship rule: within 30 days the approver did not create, reset (password or second
  factor), re-role or enable the account of any of those people, and no admin did so to both
  their account and the approver's;
- the item still waits, is confirmed by the provider and is what the approver saw (fingerprint);
- the approver's step-up code is fresh;
- limits fail closed: no limit for the currency, no approval. Within the limit the approval is
  final; above it the approver's yes is recorded and the item waits for a manager whose own
  limit covers the amount.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from webapp.lazy_text import lazy_gettext as _l

RELATIONSHIP_WINDOW = timedelta(days=30)


class Subject(enum.StrEnum):
    PAYOUT = "payout"
    BATCH = "batch"


class Author(enum.StrEnum):
    """The ways a person controls what is to be approved."""

    CREATOR = "creator"  # created the payout, uploaded the batch
    RESENDER = "resender"  # pressed "send again" on a refused payout
    RETRIER = "retrier"  # pressed "retry" on a batch's failed rows
    ORIGINATOR = "originator"  # created the payout this one copies ("pay again", "fix")


class Refusal(enum.Enum):
    ROLE_CONFLICT = "role_conflict"
    NOT_MANAGER = "not_manager"
    OWN = "own"
    RESENT_BY_YOU = "resent_by_you"
    RETRIED_BY_YOU = "retried_by_you"
    COPY_OF_YOURS = "copy_of_yours"
    RELATED = "related"
    NOT_WAITING = "not_waiting"
    NOT_READY = "not_ready"
    CHANGED = "changed"
    STEP_UP_NEEDED = "step_up_needed"
    NO_LIMIT = "no_limit"
    ALREADY_APPROVED_BY_YOU = "already_approved_by_you"
    REASON_REQUIRED = "reason_required"
    PREFLIGHT = "preflight"  # the provider's terms changed since creation (services.py)

    def message(self, subject: Subject = Subject.PAYOUT) -> str:
        text = MESSAGES[self]
        if isinstance(text, dict):
            text = text[subject]
        return str(text)


MESSAGES: dict[Refusal, object] = {
    Refusal.ROLE_CONFLICT: _l("Your account holds admin together with manager or operator. It "
                              "cannot approve until two admins decide which duty it keeps."),
    Refusal.NOT_MANAGER: {
        Subject.PAYOUT: _l("Only managers may approve or reject payouts."),
        Subject.BATCH: _l("Only managers may approve or reject batches.")},
    Refusal.OWN: {
        Subject.PAYOUT: _l("You cannot approve or reject a payout you created."),
        Subject.BATCH: _l("You cannot approve or reject a batch you uploaded.")},
    Refusal.RESENT_BY_YOU: _l("You sent this payout again, so you cannot approve or reject it."),
    Refusal.RETRIED_BY_YOU: _l("You asked to retry these rows, so another manager must "
                               "approve the retry."),
    Refusal.COPY_OF_YOURS: _l("This payout copies one you created, with the details you "
                              "entered, so another manager must decide it."),
    Refusal.RELATED: _l("In the last 30 days you, or an admin who also administered your "
                        "account, created, reset or changed the roles of the account that "
                        "prepared this. Another manager must decide it."),
    Refusal.NOT_WAITING: {
        Subject.PAYOUT: _l("This payout is no longer awaiting approval."),
        Subject.BATCH: _l("This batch is no longer awaiting approval.")},
    Refusal.NOT_READY: _l("The provider has not confirmed this payout yet; try again shortly."),
    Refusal.CHANGED: {
        Subject.PAYOUT: _l("The payout changed after you opened it. Review it again before "
                           "approving."),
        Subject.BATCH: _l("The batch changed after you opened it. Review it again before "
                          "approving.")},
    Refusal.STEP_UP_NEEDED: _l("Confirm with your authenticator code first."),
    Refusal.NO_LIMIT: _l("You have no approval limit in this currency, so you cannot approve "
                         "in it. An admin pair can set one."),
    Refusal.ALREADY_APPROVED_BY_YOU: _l("You have already approved this; it waits for a manager "
                                        "whose own limit covers the amount."),
    Refusal.REASON_REQUIRED: {
        Subject.PAYOUT: _l("A reason is required to reject a payout."),
        Subject.BATCH: _l("A reason is required to reject a batch.")},
    Refusal.PREFLIGHT: _l("The provider's terms changed since the payout was created."),
}


class Refused(Exception):
    """A refusal of the policy; `str()` is the sentence for the manager."""

    def __init__(self, refusal: Refusal, subject: Subject = Subject.PAYOUT) -> None:
        super().__init__(refusal.message(subject))
        self.refusal = refusal
        self.subject = subject


# Who administered an account, and when: (admin id, moment).
AccountEvents = tuple[tuple[int, datetime], ...]


@dataclass(frozen=True)
class Case:
    """Everything one decision needs, as plain values."""

    subject: Subject
    approver_id: int
    approver_is_manager: bool
    approver_roles_conflict: bool
    authors: Mapping[Author, int | None]
    # For each author's account and for the approver's: who administered it, and when.
    author_account_events: Mapping[int, AccountEvents]
    approver_account_events: AccountEvents
    now: datetime
    waiting: bool = True
    ready: bool = True
    fingerprint_ok: bool = True
    step_up_fresh: bool = True
    amount: Decimal = Decimal(0)
    # The approver's applicable limit: None means no row (cannot approve); the value None in
    # `limit_amount` with `has_limit` True means an explicit "no limit".
    has_limit: bool = True
    limit_amount: Decimal | None = None
    approved_before_by_you: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    refusal: Refusal | None = None
    final: bool = False  # approve now; False with no refusal: record the yes and wait

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def _recent(events: Iterable[tuple[int, datetime]], now: datetime) -> set[int]:
    since = now - RELATIONSHIP_WINDOW
    return {by for by, at in events if since <= at <= now}


def related(approver_id: int, author_ids: Iterable[int], author_events: Mapping[int, AccountEvents],
            approver_events: AccountEvents, now: datetime) -> bool:
    """The relationship rule: the approver administered an author's account in the window, or
    an admin administered both that account and the approver's in the window."""
    approver_admins = _recent(approver_events, now)
    for author in author_ids:
        admins = _recent(author_events.get(author, ()), now)
        if approver_id in admins or admins & approver_admins:
            return True
    return False


OWN_REFUSAL = {Author.CREATOR: Refusal.OWN, Author.RESENDER: Refusal.RESENT_BY_YOU,
               Author.RETRIER: Refusal.RETRIED_BY_YOU, Author.ORIGINATOR: Refusal.COPY_OF_YOURS}


def _person_check(case: Case) -> Refusal | None:
    """The checks about people: roles, authorship, relationship (shared with rejecting)."""
    if case.approver_roles_conflict:
        return Refusal.ROLE_CONFLICT
    if not case.approver_is_manager:
        return Refusal.NOT_MANAGER
    for author, person in case.authors.items():
        if person is not None and person == case.approver_id:
            return OWN_REFUSAL[author]
    return None


def decide(case: Case) -> Decision:
    """May `case.approver` approve now, and is that approval final?"""
    refusal = _person_check(case)
    if refusal is None:
        authors = [p for p in case.authors.values() if p is not None]
        if related(case.approver_id, authors, case.author_account_events,
                   case.approver_account_events, case.now):
            refusal = Refusal.RELATED
    if refusal is None:
        refusal = _item_check(case)
    if refusal is None and not case.step_up_fresh:
        refusal = Refusal.STEP_UP_NEEDED
    if refusal is None and not case.has_limit:
        refusal = Refusal.NO_LIMIT
    if refusal is not None:
        return Decision(refusal)
    if case.limit_amount is None or case.amount <= case.limit_amount:
        return Decision(final=True)
    if case.approved_before_by_you:
        return Decision(Refusal.ALREADY_APPROVED_BY_YOU)
    return Decision(final=False)


def _item_check(case: Case) -> Refusal | None:
    if not case.waiting:
        return Refusal.NOT_WAITING
    if not case.ready:
        return Refusal.NOT_READY
    if not case.fingerprint_ok:
        return Refusal.CHANGED
    return None


def decide_reject(case: Case) -> Refusal | None:
    """Rejecting pays nothing: people and the item's state count, relationship and limits don't."""
    return _person_check(case) or (None if case.waiting else Refusal.NOT_WAITING) or (
        None if case.fingerprint_ok else Refusal.CHANGED)
