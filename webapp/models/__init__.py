"""Typed SQLAlchemy 2 models; import from here so Alembic sees every table."""

from webapp.models.approval import ApprovalLimit, PayoutApproval
from webapp.models.audit import AuditEvent
from webapp.models.callback import CallbackLog
from webapp.models.payout import Payout, PayoutEvent
from webapp.models.status import FINAL_STATUSES, IllegalTransition, PayoutStatus, check_transition
from webapp.models.user import Role, User, UserRole

__all__ = [
    "FINAL_STATUSES",
    "ApprovalLimit",
    "AuditEvent",
    "CallbackLog",
    "IllegalTransition",
    "Payout",
    "PayoutApproval",
    "PayoutEvent",
    "PayoutStatus",
    "Role",
    "User",
    "UserRole",
    "check_transition",
]
