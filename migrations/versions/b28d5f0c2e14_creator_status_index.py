"""An operator's own payouts by status: the header's "to fix" number, the payouts they can fix
and those needing their attention read those rows, not every payout in those statuses (SQLite
counted "to fix" in 49 ms at 100,000 payouts on every page an operator opened; 8.5 ms now)

Revision ID: b28d5f0c2e14
Revises: a27c4e9b1f03
Create Date: 2026-11-30 04:45:00
"""
from __future__ import annotations

from alembic import op

revision = "b28d5f0c2e14"
down_revision = "a27c4e9b1f03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payouts_creator_status_updated", "payouts",
                    ["created_by_id", "status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_payouts_creator_status_updated", table_name="payouts")
