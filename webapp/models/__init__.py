"""Typed SQLAlchemy 2 models; import from here so Alembic sees every table."""

from webapp.models.approval import ApprovalLimit, PayoutApproval
from webapp.models.audit import AuditEvent
from webapp.models.batch import (
    BATCH_TRANSITIONS,
    Batch,
    BatchApproval,
    BatchRow,
    BatchStatus,
    IllegalBatchTransition,
    RowState,
    check_batch_transition,
)
from webapp.models.callback import CallbackLog
from webapp.models.notification import (
    EmailAddress,
    Notification,
    NotificationPreference,
    NotificationSource,
)
from webapp.models.payout import Payout, PayoutEvent
from webapp.models.recipient import PayoutCopy, Recipient, RecipientDetail, RecipientPayout
from webapp.models.reconciliation import (
    DifferenceKind,
    ReconciliationDifference,
    ReconciliationMatch,
    ReconciliationRun,
    RunPhase,
    RunStatus,
)
from webapp.models.security import (
    AccountChange,
    BackupCode,
    ChangeKind,
    ChangeStatus,
    PendingChange,
    SetupLink,
    UserSession,
)
from webapp.models.status import (
    FINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    PayoutStatus,
    check_transition,
)
from webapp.models.user import Role, User, UserRole

__all__ = [
    "BATCH_TRANSITIONS",
    "FINAL_STATUSES",
    "TRANSITIONS",
    "AccountChange",
    "ApprovalLimit",
    "AuditEvent",
    "BackupCode",
    "Batch",
    "BatchApproval",
    "BatchRow",
    "BatchStatus",
    "CallbackLog",
    "ChangeKind",
    "ChangeStatus",
    "DifferenceKind",
    "EmailAddress",
    "IllegalBatchTransition",
    "IllegalTransition",
    "Notification",
    "NotificationPreference",
    "NotificationSource",
    "Payout",
    "PayoutApproval",
    "PayoutCopy",
    "PayoutEvent",
    "PayoutStatus",
    "PendingChange",
    "Recipient",
    "RecipientDetail",
    "RecipientPayout",
    "ReconciliationDifference",
    "ReconciliationMatch",
    "ReconciliationRun",
    "Role",
    "RowState",
    "RunPhase",
    "RunStatus",
    "SetupLink",
    "User",
    "UserRole",
    "UserSession",
    "check_batch_transition",
    "check_transition",
]
