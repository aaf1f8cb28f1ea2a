"""separation of duties: set-up links, account changes, resent_by, batch retrier, limits
that fail closed

Revision ID: b17a0c2d9e41
Revises: c18e5a7d3f10
Create Date: 2026-11-29 14:10:00

Roles are not touched: accounts holding admin with operator or manager are reported by
`flask check` and blocked from payouts until two admins decide (no silent role drop).
Limits now fail closed: a manager without a limit row for a currency (or the "*" row) cannot
approve in it. No rows are invented here: admins set limits after the upgrade (an explicit
"no limit" is a NULL amount). Who created or promoted existing accounts is copied into
account_changes so the relationship rule knows it from the start.
"""
import sqlalchemy as sa
from alembic import op

revision = "b17a0c2d9e41"
down_revision = "c18e5a7d3f10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "setup_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_setup_links_user_id", "setup_links", ["user_id"])
    op.create_table(
        "account_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_changes_user_id", "account_changes", ["user_id"])
    op.create_index("ix_account_changes_by_id", "account_changes", ["by_id"])
    op.create_index("ix_account_changes_at", "account_changes", ["at"])
    op.execute(
        "INSERT INTO account_changes (user_id, kind, by_id, at) "
        "SELECT id, 'created', created_by_id, created_at FROM users "
        "WHERE created_by_id IS NOT NULL AND created_by_id <> id")
    for column in ("promoted_by_id", "promotion_confirmed_by_id"):
        op.execute(
            "INSERT INTO account_changes (user_id, kind, by_id, at) "  # noqa: S608
            f"SELECT id, 'roles_changed', {column}, promoted_at FROM users "
            f"WHERE {column} IS NOT NULL AND promoted_at IS NOT NULL AND {column} <> id")
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("resent_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_payouts_resent_by_id_users", "users", ["resent_by_id"],
                                 ["id"])
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("retried_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_batches_retried_by_id_users", "users", ["retried_by_id"],
                                 ["id"])
    with op.batch_alter_table("approval_limits") as batch:
        batch.alter_column("max_amount", existing_type=sa.Numeric(28, 8), nullable=True)


def downgrade():
    op.execute("DELETE FROM approval_limits WHERE max_amount IS NULL")
    with op.batch_alter_table("approval_limits") as batch:
        batch.alter_column("max_amount", existing_type=sa.Numeric(28, 8), nullable=False)
    with op.batch_alter_table("batches") as batch:
        batch.drop_constraint("fk_batches_retried_by_id_users", type_="foreignkey")
        batch.drop_column("retried_at")
        batch.drop_column("retried_by_id")
    with op.batch_alter_table("payouts") as batch:
        batch.drop_constraint("fk_payouts_resent_by_id_users", type_="foreignkey")
        batch.drop_column("resent_by_id")
    op.drop_index("ix_account_changes_at", table_name="account_changes")
    op.drop_index("ix_account_changes_by_id", table_name="account_changes")
    op.drop_index("ix_account_changes_user_id", table_name="account_changes")
    op.drop_table("account_changes")
    op.drop_index("ix_setup_links_user_id", table_name="setup_links")
    op.drop_table("setup_links")
