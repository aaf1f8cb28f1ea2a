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
    BATCH_WAITING = "batch_waiting"  # to managers who may approve it
    BATCH_SECOND_APPROVAL = "batch_second_approval"  # to managers whose limit covers it
    BATCH_DECIDED = "batch_decided"  # approved or rejected, to its uploader
    BATCH_FINISHED = "batch_finished"  # every row done, to its uploader
    PRIVILEGE_REQUEST = "privilege_request"  # a guarded change waits: to the other admins
    SETUP_LINK_ISSUED = "setup_link_issued"  # to the admin who confirmed (and holds) the link


# The settings page lists these, in this order.
EVENT_NAMES: dict[Event, Any] = {
    Event.PAYOUT_WAITING: _l("A payout waits for my approval"),
    Event.PAYOUT_SECOND_APPROVAL: _l("A payout needs a second approval within my limit"),
    Event.PAYOUT_APPROVED: _l("My payout was approved"),
    Event.PAYOUT_REJECTED: _l("My payout was rejected"),
    Event.PAYOUT_FAILED: _l("My payout failed"),
    Event.PAYOUT_FINAL: _l("My payout was paid"),
    Event.PAYOUT_STUCK: _l("A payout's outcome stays unknown"),
    Event.BATCH_WAITING: _l("A batch waits for my approval"),
    Event.BATCH_SECOND_APPROVAL: _l("A batch needs a second approval within my limit"),
    Event.BATCH_DECIDED: _l("My batch was approved or rejected"),
    Event.BATCH_FINISHED: _l("My batch finished"),
    Event.PRIVILEGE_REQUEST: _l("An account change waits for a second admin"),
    Event.SETUP_LINK_ISSUED: _l("A one-time set-up link was issued"),
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
    return other_wording(event, p) or Wording(str(event), [what], _("Open"))


def other_wording(event: str, p: Mapping[str, Any]) -> Wording | None:
    """Batches and accounts."""
    batch = _("Batch #%(id)s: %(rows)s rows, %(total)s %(currency)s via %(service)s",
              id=p.get("id", ""), rows=p.get("rows", ""), total=p.get("total", ""),
              currency=p.get("currency", ""), service=p.get("service", ""))
    if event == Event.BATCH_WAITING:
        return Wording(_("Batch #%(id)s waits for your approval", id=p.get("id", "")),
                       [batch, _("Uploaded by %(name)s.", name=p.get("creator", ""))],
                       _("Review and decide"))
    if event == Event.BATCH_SECOND_APPROVAL:
        return Wording(_("Batch #%(id)s needs a second approval", id=p.get("id", "")),
                       [batch, _("It is above the first approver's limit and within yours.")],
                       _("Review and decide"))
    if event == Event.BATCH_DECIDED:
        if p.get("status") == "rejected":
            return Wording(_("Batch #%(id)s was rejected", id=p.get("id", "")),
                           [batch, _("Rejected by %(name)s. Reason: %(reason)s",
                                     name=p.get("by", ""), reason=p.get("reason", ""))],
                           _("Open the batch"))
        return Wording(_("Batch #%(id)s was approved", id=p.get("id", "")),
                       [batch, _("Approved by %(name)s.", name=p.get("by", ""))],
                       _("Open the batch"))
    if event == Event.BATCH_FINISHED:
        return Wording(_("Batch #%(id)s finished", id=p.get("id", "")), [batch],
                       _("Open the batch"))
    if event == Event.PRIVILEGE_REQUEST:
        return Wording(_("An account change for %(name)s waits for a second admin",
                         name=p.get("target", "")),
                       [_("Asked by %(name)s.", name=p.get("by", ""))],
                       _("Review pending changes"))
    if event == Event.SETUP_LINK_ISSUED:
        return Wording(_("A one-time set-up link for %(name)s was issued",
                         name=p.get("target", "")),
                       [_("You confirmed it; hand the link only to its owner.")],
                       _("Open the account"))
    return None
