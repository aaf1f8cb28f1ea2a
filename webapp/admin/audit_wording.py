"""The audit log as sentences in the reader's language: "olga created payout #12 for $10.00".

Rows keep what they always kept (an action code, the actor, a target like `payout:12` or
`user:3 max`, and parameters in `details`); this module words them when the page is drawn.
An action with no sentence here reads "<actor>: <action label>".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from webapp.audit import ACTION_LABELS, action_label
from webapp.auth.access import role_label
from webapp.formatting import format_money
from webapp.lazy_text import lazy_gettext as _l
from webapp.models import AuditEvent
from webapp.payout_core.labels import failure_text

SENTENCES = {
    "login": _l("%(actor)s signed in."),
    "login_failed": _l("Failed sign-in as %(target)s."),
    "login_locked": _l("Sign-in as %(target)s refused: the account is locked for now."),
    "logout": _l("%(actor)s signed out."),
    "password_changed": _l("%(actor)s changed their password."),
    "password_reset": _l("%(actor)s reset the password of %(target)s."),
    "roles_changed": _l("%(actor)s changed the roles of %(target)s to: %(roles)s."),
    "user_created": _l("%(actor)s created the user %(target)s (%(roles)s)."),
    "user_disabled": _l("%(actor)s disabled %(target)s."),
    "user_enabled": _l("%(actor)s enabled %(target)s."),
    "profile_updated": _l("%(actor)s updated their profile."),
    "email_change_requested": _l("%(actor)s asked to change their e-mail address."),
    "email_confirmed": _l("%(actor)s confirmed a new e-mail address."),
    "email_removed": _l("%(actor)s removed their e-mail address."),
    "email_set_by_admin": _l("%(actor)s set the e-mail address of %(target)s."),
    "login_second_factor_asked": _l("%(actor)s gave the password; the second factor was asked."),
    "login_second_factor_failed": _l("%(actor)s typed a wrong second-factor code."),
    "step_up": _l("%(actor)s confirmed with a fresh code."),
    "step_up_failed": _l("%(actor)s typed a wrong code when confirming."),
    "two_factor_enabled": _l("%(actor)s switched on two-factor sign-in."),
    "two_factor_enrol_failed": _l("%(actor)s typed a wrong code setting up two-factor sign-in."),
    "two_factor_disabled": _l("%(actor)s switched off two-factor sign-in."),
    "two_factor_reset": _l("%(actor)s reset the two-factor sign-in of %(target)s."),
    "backup_codes_regenerated": _l("%(actor)s made new backup codes."),
    "sessions_ended": _l("%(actor)s ended the sessions of %(target)s (%(count)s)."),
    "change_requested": _l("%(actor)s asked for privileged change #%(change)s for %(target)s."),
    "change_confirmed": _l("%(actor)s confirmed privileged change #%(change)s for %(target)s."),
    "change_confirm_refused": _l(
        "%(actor)s could not confirm privileged change #%(change)s for %(target)s."),
    "change_cancelled": _l("%(actor)s cancelled privileged change #%(change)s for %(target)s."),
    "change_expired": _l("Privileged change #%(change)s for %(target)s expired."),
    "approval_limit_changed": _l(
        "%(actor)s set the %(currency)s approval limit of %(target)s to %(limit)s."),
    "payout.created": _l("%(actor)s created payout #%(id)s for %(amount)s."),
    "payout.first_approval": _l("%(actor)s gave payout #%(id)s its first approval."),
    "payout.approved": _l("%(actor)s approved payout #%(id)s for %(amount)s."),
    "payout.rejected": _l("%(actor)s rejected payout #%(id)s: %(reason)s"),
    "batch.uploaded": _l("%(actor)s uploaded batch #%(id)s: %(rows)s rows, %(valid)s valid."),
    "batch.reuploaded": _l(
        "%(actor)s uploaded batch #%(id)s again: %(rows)s rows, %(valid)s valid."),
    "batch.submitted": _l("%(actor)s submitted batch #%(id)s for %(amount)s."),
    "batch.first_approval": _l("%(actor)s gave batch #%(id)s its first approval."),
    "batch.approved": _l("%(actor)s approved batch #%(id)s for %(amount)s."),
    "batch.rejected": _l("%(actor)s rejected batch #%(id)s: %(reason)s"),
    "batch.retried": _l("%(actor)s sent %(rows)s failed rows of batch #%(id)s again."),
    "batch.finished": _l("Batch #%(id)s finished: %(status)s."),
    "recipient.created": _l("%(actor)s saved recipient #%(id)s."),
    "recipient.updated": _l("%(actor)s changed recipient #%(id)s."),
    "recipient.detail_added": _l("%(actor)s added payment details to recipient #%(id)s."),
    "recipient.detail_removed": _l("%(actor)s removed payment details of recipient #%(id)s."),
    "recipient.archived": _l("%(actor)s archived recipient #%(id)s."),
    "recipient.restored": _l("%(actor)s restored recipient #%(id)s."),
    "recipient.details_viewed": _l(
        "%(actor)s opened the full payment details of recipient #%(id)s."),
    "demo_second_factor_enrolled": _l(
        "The demo set-up switched on two-factor sign-in for %(actor)s."),
    "demo_data_seeded": _l("The demo set-up filled the desk with %(count)s demo payouts."),
}
# Names for the filter of the payout and batch actions (the rest are in webapp/audit.py and
# webapp/auth/security_audit.py).
ACTION_LABELS.update({
    "payout.created": _l("Payout created"),
    "payout.first_approval": _l("Payout: first approval"),
    "payout.approved": _l("Payout approved"),
    "payout.process_answer": _l("Provider's answer to a request to pay"),
    "payout.rejected": _l("Payout rejected"),
    "batch.uploaded": _l("Batch uploaded"),
    "batch.reuploaded": _l("Batch uploaded again"),
    "batch.submitted": _l("Batch submitted"),
    "batch.first_approval": _l("Batch: first approval"),
    "batch.approved": _l("Batch approved"),
    "batch.rejected": _l("Batch rejected"),
    "batch.retried": _l("Batch rows sent again"),
    "batch.finished": _l("Batch finished"),
    "payout.approval_refused": _l("Payout approval refused"),
    "payout.rejection_refused": _l("Payout rejection refused"),
    "payout.submission_token_refused": _l("Payout form refused"),
    "batch.approval_refused": _l("Batch approval refused"),
    "batch.rejection_refused": _l("Batch rejection refused"),
    "recipient.created": _l("Recipient saved"),
    "recipient.updated": _l("Recipient changed"),
    "recipient.detail_added": _l("Recipient: payment details added"),
    "recipient.detail_removed": _l("Recipient: payment details removed"),
    "recipient.archived": _l("Recipient archived"),
    "recipient.restored": _l("Recipient restored"),
    "recipient.details_viewed": _l("Recipient: full payment details opened"),
    "demo_second_factor_enrolled": _l("Demo: two-factor sign-in set up"),
    "demo_data_seeded": _l("Demo: desk filled"),
})
PROCESS_ACCEPTED = _l("The provider accepted the request to pay payout #%(id)s.")
PROCESS_REFUSED = _l("The provider did not accept the request to pay payout #%(id)s: %(why)s")
FALLBACK = _l("%(actor)s: %(action)s")


class _Params(dict[str, Any]):
    """A parameter missing from an old row reads as a dash instead of breaking the page."""

    def __missing__(self, key: str) -> str:
        return "—"


def _target_name(target: str | None) -> tuple[str, str]:
    """`user:3 max` → ("user", "max"); `payout:12` → ("payout", "12")."""
    if not target:
        return "", ""
    kind, _sep, rest = target.partition(":")
    ident, _space, name = rest.partition(" ")
    return kind, name or ident


def _roles(values: Any) -> str:
    if not isinstance(values, list):
        return "—"
    return ", ".join(role_label(value) for value in values) or "—"


def _money(details: Mapping[str, Any], amount_key: str) -> str:
    amount, currency = details.get(amount_key), details.get("currency")
    if amount in (None, "") or not currency:
        return "—"
    try:
        return format_money(amount, str(currency))
    except Exception:  # an old row with an odd amount is shown, not fatal
        return f"{amount} {currency}"


def audit_sentence(event: AuditEvent) -> str:
    details = event.details or {}
    _kind, name = _target_name(event.target)
    params = _Params(
        actor=event.actor.username if event.actor else _("the desk"),
        target=name or _("an unknown user"), id=name, change=details.get("change", "—"),
        count=details.get("count", "—"), rows=details.get("rows", "—"),
        valid=details.get("valid", "—"), currency=details.get("currency", "—"),
        reason=details.get("reason") or "—",
        roles=_roles(details.get("to", details.get("roles"))),
        amount=_money(details, "amount") if "amount" in details else _money(details, "total"),
        limit=_money(details, "to") if details.get("to") else _("no limit"),
    )
    if event.action == "batch.finished":
        # Imported here: webapp.batches imports its routes, which reach back into admin.
        from webapp.batches.labels import batch_status_label

        params["status"] = batch_status_label(str(details.get("status", "")))
    if event.action == "payout.process_answer":
        if details.get("ok"):
            return str(PROCESS_ACCEPTED) % params
        params["why"] = failure_text(details.get("failure")) or "—"
        return str(PROCESS_REFUSED) % params
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        params["action"] = action_label(event.action)
        return str(FALLBACK) % params
    return str(sentence) % params
