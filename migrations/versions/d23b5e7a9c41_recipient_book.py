"""recipient book: recipients, their saved payment details, payouts made to them, copies

Revision ID: d23b5e7a9c41
Revises: b17a0c2d9e41
Create Date: 2026-11-29 17:30:00

New tables only; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

revision = "d23b5e7a9c41"
down_revision = "b17a0c2d9e41"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_recipients_name", "recipients", ["name"])
    op.create_table(
        "recipient_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=128), nullable=False),
        sa.Column("method_code", sa.String(length=128), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("service_snapshot", sa.JSON(), nullable=False),
        sa.Column("fields_masked", sa.JSON(), nullable=False),
        sa.Column("fields_encrypted", sa.Text(), nullable=False),
        sa.Column("search_tail", sa.String(length=255), nullable=False),
        sa.Column("last_amount", sa.Numeric(28, 8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recipient_details_recipient_id", "recipient_details", ["recipient_id"])
    op.create_table(
        "recipient_payouts",
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["payout_id"], ["payouts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["detail_id"], ["recipient_details.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("payout_id"),
    )
    op.create_index("ix_recipient_payouts_recipient_id", "recipient_payouts", ["recipient_id"])
    op.create_table(
        "payout_copies",
        sa.Column("copy_id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.Column("original_creator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.CheckConstraint("kind IN ('again', 'fix')", name="copy_kind_known"),
        sa.ForeignKeyConstraint(["copy_id"], ["payouts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["original_id"], ["payouts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["original_creator_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("copy_id"),
    )
    op.create_index("ix_payout_copies_original_id", "payout_copies", ["original_id"])


def downgrade():
    op.drop_table("payout_copies")
    op.drop_table("recipient_payouts")
    op.drop_table("recipient_details")
    op.drop_table("recipients")
