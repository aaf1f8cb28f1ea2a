"""Human names for batch statuses and row states (template globals)."""

from __future__ import annotations

from webapp.lazy_text import lazy_gettext as _l
from webapp.models import BatchStatus, RowState

B = BatchStatus

BATCH_STATUS_LABELS = {
    B.DRAFT: _l("Draft: check and submit"),
    B.AWAITING_APPROVAL: _l("Awaiting approval"),
    B.APPROVED: _l("Approved, starting"),
    B.REJECTED: _l("Rejected"),
    B.RUNNING: _l("Sending"),
    B.DONE: _l("Done"),
    B.DONE_WITH_FAILURES: _l("Done, with failed rows"),
}

ROW_STATE_LABELS = {
    RowState.INVALID: _l("Has errors"),
    RowState.PENDING: _l("Pending"),
    RowState.SENT: _l("Sent"),
    RowState.FAILED: _l("Failed"),
    RowState.UNKNOWN: _l("Checking with provider"),
}


def batch_status_label(status: str) -> str:
    try:
        return str(BATCH_STATUS_LABELS[BatchStatus(status)])
    except ValueError:
        return status


def row_state_label(state: str) -> str:
    try:
        return str(ROW_STATE_LABELS[RowState(state)])
    except ValueError:
        return state
