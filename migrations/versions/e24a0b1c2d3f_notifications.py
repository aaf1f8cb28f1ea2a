"""notifications: the inbox, e-mail delivery state, preferences, e-mail addresses

Revision ID: e24a0b1c2d3f
Revises: d23b5e7a9c41
Create Date: 2026-11-29 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e24a0b1c2d3f"
down_revision = "d23b5e7a9c41"
branch_labels = None
depends_on = None

EMAIL_STATES = ("none", "pending", "digest", "sending", "sent", "failed")
DIGESTS = ("immediate", "hourly", "daily")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=16), nullable=False),
        sa.Column("email_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_message_id", sa.String(length=255), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.String(length=255), nullable=True),
        sa.CheckConstraint(_in("email_state", EMAIL_STATES),
                           name=op.f("ck_notifications_email_state_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", "user_id", name="uq_notifications_key_user"),
    )
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_email_state", "notifications",
                    ["email_state", "email_due_at"])
    op.create_table(
        "notification_sources",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notification_sources")),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.CheckConstraint(_in("digest", DIGESTS),
                           name=op.f("ck_notification_preferences_digest_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_preferences_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "event", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "email_addresses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("pending_address", sa.String(length=254), nullable=True),
        sa.Column("pending_token_hash", sa.String(length=64), nullable=True),
        sa.Column("pending_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_email_addresses_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_addresses")),
        sa.UniqueConstraint("pending_token_hash",
                            name=op.f("uq_email_addresses_pending_token_hash")),
    )
    # The timeline before this upgrade is history: mark it handled, so the first sweep after
    # deploying does not mail the last days' events to everyone.
    op.execute("INSERT INTO notification_sources (key, done_at) "
               "SELECT 'payout_event:' || CAST(id AS VARCHAR), CURRENT_TIMESTAMP "
               "FROM payout_events")


def downgrade():
    op.drop_table("email_addresses")
    op.drop_table("notification_preferences")
    op.drop_table("notification_sources")
    op.drop_index("ix_notifications_email_state", table_name="notifications")
    op.drop_index("ix_notifications_user_read", table_name="notifications")
    op.drop_table("notifications")
