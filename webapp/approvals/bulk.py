"""Bulk decisions on the queue, and the messages that say what happened to which payouts.

Approving several is two steps: the review page shows the count and the total per currency and
hands out a token signed over exactly that selection (ids and fingerprints) for this manager;
the approval itself accepts only a selection carrying that token. Rejecting is its own form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.approvals.fingerprint import matches
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus
from webapp.payouts.listing import CurrencyTotal
from webapp.query_args import bounded_int

S = PayoutStatus
MAX_SELECTED = 200
CONFIRM_SECONDS = 15 * 60


@dataclass(frozen=True)
class Selected:
    payout_id: int
    fingerprint: str

    @property
    def value(self) -> str:
        return f"{self.payout_id}:{self.fingerprint}"


def parse_selection(values: Iterable[str]) -> list[Selected]:
    """`id:fingerprint` values from checkboxes or hidden fields, each id once, capped."""
    chosen: dict[int, Selected] = {}
    for value in list(values)[:MAX_SELECTED]:
        raw_id, _sep, fingerprint = value.partition(":")
        try:  # an id the database could not hold (or not a number) is no selection
            payout_id = bounded_int(raw_id)
        except ValueError:
            continue
        if payout_id not in chosen:
            chosen[payout_id] = Selected(payout_id, fingerprint)
    return list(chosen.values())


@dataclass
class Review:
    """What the confirmation shows: the payouts still as selected, and the rest explained."""

    payouts: list[Payout] = field(default_factory=list)
    selection: list[Selected] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # changed or no longer waiting

    @property
    def count(self) -> int:
        return len(self.payouts)

    def totals(self) -> list[CurrencyTotal]:
        sums: dict[str, Decimal] = defaultdict(Decimal)
        counts: dict[str, int] = defaultdict(int)
        for payout in self.payouts:
            sums[payout.currency] += payout.amount
            counts[payout.currency] += 1
        return [CurrencyTotal(c, counts[c], sums[c]) for c in sorted(sums)]


def review(selection: list[Selected]) -> Review:
    """The selected payouts that still wait and still match what the manager saw."""
    found = Review()
    for chosen in selection:
        payout = db.session.get(Payout, chosen.payout_id)
        if (payout is None or payout.status_enum != S.AWAITING_APPROVAL
                or not matches(payout, chosen.fingerprint)):
            found.dropped.append(chosen.payout_id)
            continue
        found.payouts.append(payout)
        found.selection.append(chosen)
    return found


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="bulk-approve")


def confirm_token(user_id: int, selection: list[Selected]) -> str:
    return str(_serializer().dumps([user_id, sorted(s.value for s in selection)]))


def token_matches(token: str, user_id: int, selection: list[Selected]) -> bool:
    """True when `token` was issued to this user for exactly this selection, recently."""
    try:
        signed = _serializer().loads(token, max_age=CONFIRM_SECONDS)
    except BadSignature:
        return False
    return signed == [user_id, sorted(s.value for s in selection)]


def ids_text(ids: Iterable[int]) -> str:
    return ", ".join(f"#{payout_id}" for payout_id in ids)


@dataclass
class Tally:
    """Which payouts ended how, for one flash per kind of outcome."""

    approved: list[int] = field(default_factory=list)  # the provider is processing them
    unclear: list[int] = field(default_factory=list)  # answer unclear: being checked
    refused: list[int] = field(default_factory=list)  # provider refused: back in the queue
    partial: list[int] = field(default_factory=list)  # first of two approvals recorded
    rejected: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # provider's reasons for refusals

    def messages(self) -> list[tuple[str, str]]:
        """(text, category) flashes naming the payouts."""
        said: list[tuple[str, str]] = []
        if self.approved:
            said.append((_("Approved %(ids)s. The provider is processing the payout.",
                           ids=ids_text(self.approved)), "success"))
        if self.rejected:
            said.append((_("Rejected %(ids)s.", ids=ids_text(self.rejected)), "success"))
        if self.unclear:
            said.append((_("Approved %(ids)s, but the provider's answer was unclear: it is "
                           "being checked and will not be sent twice.",
                           ids=ids_text(self.unclear)), "warning"))
        if self.refused:
            reasons = "; ".join(self.reasons)
            said.append((_("The provider refused to process %(ids)s (%(reason)s). It is back "
                           "in the queue and needs a new approval.",
                           ids=ids_text(self.refused), reason=reasons), "error"))
        if self.partial:
            said.append((_("Your approval of %(ids)s is recorded. The amount is above your "
                           "limit: a second manager must approve too.",
                           ids=ids_text(self.partial)), "warning"))
        return said
