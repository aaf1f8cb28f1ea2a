"""Duplicate checks stay index look-ups beside payouts that have no recipient digest

f26b1d0e4a52 left payouts older than its window without a digest, and every payout stored
before it is older than that after a month. On SQLite the checks' `recipient_digest IS NULL`
branch was answered from ix_payouts_recipient_digest, whose NULL entries are all those old
payouts: each create and each review read them all (32 ms at 100,000). That index now holds
only rows with a digest (with their status and age, so the approvals queue's flags read
whether an earlier payout still counts from the index alone), and ix_payouts_undigested is by
service and age, so the branch reads only the recent undigested payouts of one service.

Revision ID: a27c4e9b1f03
Revises: f26b1d0e4a52
Create Date: 2026-11-30 04:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a27c4e9b1f03"
down_revision = "f26b1d0e4a52"
branch_labels = None
depends_on = None

HAS_DIGEST = sa.text("recipient_digest IS NOT NULL")
NO_DIGEST = sa.text("recipient_digest IS NULL")


def upgrade() -> None:
    op.drop_index("ix_payouts_recipient_digest", table_name="payouts")
    op.create_index("ix_payouts_recipient_digest", "payouts",
                    ["recipient_digest", "status", "created_at"],
                    postgresql_where=HAS_DIGEST, sqlite_where=HAS_DIGEST)
    op.drop_index("ix_payouts_undigested", table_name="payouts")
    op.create_index("ix_payouts_undigested", "payouts", ["service_code", "created_at"],
                    postgresql_where=NO_DIGEST, sqlite_where=NO_DIGEST)


def downgrade() -> None:
    op.drop_index("ix_payouts_undigested", table_name="payouts")
    op.create_index("ix_payouts_undigested", "payouts", ["created_at"],
                    postgresql_where=NO_DIGEST, sqlite_where=NO_DIGEST)
    op.drop_index("ix_payouts_recipient_digest", table_name="payouts")
    op.create_index("ix_payouts_recipient_digest", "payouts", ["recipient_digest"])
