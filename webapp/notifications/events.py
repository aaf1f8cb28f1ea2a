"""The events that notify, as codes, and their wording in the reader's language.

Rows store the code and masked parameters; the words are made when a page or an e-mail is
rendered (inside `force_locale` for e-mails), never stored.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from webapp.lazy_text import lazy_gettext as _l


class Event(enum.StrEnum):
    PAYOUT_WAITING = "payout_waiting"  # to managers who may approve it
    PAYOUT_SECOND_APPROVAL = "payout_second_approval"  # to managers whose limit covers it
    PAYOUT_APPROVED = "payout_approved"  # to the creator
    PAYOUT_REJECTED = "payout_rejected"  # to the creator, with the reason
    PAYOUT_FAILED = "payout_failed"  # to the creator
    PAYOUT_FINAL = "payout_final"  # processed / partially processed, to the creator
    PAYOUT_STUCK = "payout_stuck"  # unknown for too long: creator and admins


# The settings page lists these, in this order.
EVENT_NAMES: dict[Event, Any] = {
    Event.PAYOUT_WAITING: _l("A payout waits for my approval"),
    Event.PAYOUT_SECOND_APPROVAL: _l("A payout needs a second approval within my limit"),
    Event.PAYOUT_APPROVED: _l("My payout was approved"),
    Event.PAYOUT_REJECTED: _l("My payout was rejected"),
    Event.PAYOUT_FAILED: _l("My payout failed"),
    Event.PAYOUT_FINAL: _l("My payout was paid"),
    Event.PAYOUT_STUCK: _l("A payout's outcome stays unknown"),
}


@dataclass(frozen=True)
class Wording:
    subject: str
    lines: list[str]
    action: str  # the link's words


def _what(params: Mapping[str, Any]) -> str:
    return _("Payout #%(id)s: %(amount)s %(currency)s via %(service)s to %(recipient)s",
             id=params.get("id", ""), amount=params.get("amount", ""),
             currency=params.get("currency", ""), service=params.get("service", ""),
             recipient=params.get("recipient") or "—")


def wording(event: str, params: Mapping[str, Any] | None) -> Wording:
    """Subject, lines and link words for one notification, in the current locale."""
    p = params or {}
    what = _what(p)
    ref = p.get("id", "")
    if event == Event.PAYOUT_WAITING:
        return Wording(_("Payout #%(id)s waits for your approval", id=ref),
                       [what, _("Created by %(name)s.", name=p.get("creator", ""))],
                       _("Review and decide"))
    if event == Event.PAYOUT_SECOND_APPROVAL:
        return Wording(_("Payout #%(id)s needs a second approval", id=ref),
                       [what, _("It is above the first approver's limit and within yours.")],
                       _("Review and decide"))
    if event == Event.PAYOUT_APPROVED:
        return Wording(_("Payout #%(id)s was approved", id=ref),
                       [what, _("Approved by %(name)s.", name=p.get("by", ""))],
                       _("Open the payout"))
    if event == Event.PAYOUT_REJECTED:
        return Wording(_("Payout #%(id)s was rejected", id=ref),
                       [what, _("Rejected by %(name)s. Reason: %(reason)s",
                                name=p.get("by", ""), reason=p.get("reason", ""))],
                       _("Open the payout"))
    if event == Event.PAYOUT_FAILED:
        return Wording(_("Payout #%(id)s failed", id=ref),
                       [what, _("The provider's answer: %(code)s", code=p.get("code") or "—")],
                       _("Open the payout"))
    if event == Event.PAYOUT_FINAL:
        subject = (_("Payout #%(id)s was partially paid", id=ref)
                   if p.get("status") == "partially_processed"
                   else _("Payout #%(id)s was paid", id=ref))
        return Wording(subject, [what], _("Open the payout"))
    if event == Event.PAYOUT_STUCK:
        return Wording(_("Payout #%(id)s: outcome unknown for %(minutes)s minutes", id=ref,
                         minutes=p.get("minutes", "")),
                       [what, _("The desk keeps checking with the provider; please look at "
                                "it if this lasts.")],
                       _("Open the payout"))
    return Wording(str(event), [what], _("Open"))
