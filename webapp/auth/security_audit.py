"""Names, in the reader's language, of the audit actions written by two-factor sign-in,
step-up, sessions and guarded privileges (added to the audit log's label table)."""

from __future__ import annotations

from webapp.audit import ACTION_LABELS
from webapp.lazy_text import lazy_gettext as _l

SECURITY_ACTION_LABELS = {
    "login_second_factor_asked": _l("Password accepted, second factor asked"),
    "login_second_factor_failed": _l("Wrong second-factor code at sign-in"),
    "step_up": _l("Confirmed with a fresh code"),
    "step_up_failed": _l("Wrong code when confirming"),
    "two_factor_enabled": _l("Two-factor sign-in switched on"),
    "two_factor_enrol_failed": _l("Wrong code while setting up two-factor sign-in"),
    "two_factor_disabled": _l("Two-factor sign-in switched off"),
    "two_factor_reset": _l("Two-factor sign-in reset"),
    "backup_codes_regenerated": _l("New backup codes made"),
    "sessions_ended": _l("Sessions ended"),
    "change_requested": _l("Privileged change requested"),
    "change_confirmed": _l("Privileged change confirmed"),
    "change_confirm_refused": _l("Confirmation refused"),
    "change_cancelled": _l("Privileged change cancelled"),
    "change_expired": _l("Privileged change expired"),
    "approval_limit_changed": _l("Approval limit changed"),
    "setup_link_issued": _l("Set-up link issued"),
    "account_action_refused": _l("Account change refused"),
}

ACTION_LABELS.update(SECURITY_ACTION_LABELS)
