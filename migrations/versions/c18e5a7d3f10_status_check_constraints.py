"""status columns accept only their Enum's values (CHECK constraints); payouts remember when
their latest process request was claimed

Revision ID: c18e5a7d3f10
Revises: b7e21c0de5a1
Create Date: 2026-11-29 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18e5a7d3f10'
down_revision = 'b7e21c0de5a1'
branch_labels = None
depends_on = None

# The values as of this revision (a later Enum change brings its own migration).
PAYOUT_STATUSES = (
    'awaiting_approval', 'creation_unknown', 'failed_to_create', 'rejected', 'approved',
    'processing_unknown', 'processing', 'processed', 'partially_processed', 'failed',
)
BATCH_STATUSES = (
    'draft', 'awaiting_approval', 'approved', 'rejected', 'running', 'done',
    'done_with_failures',
)


def _known(values):
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_requested_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint('status_known', _known(PAYOUT_STATUSES))
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_check_constraint('status_known', _known(BATCH_STATUSES))


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_batches_status_known'), type_='check')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payouts_status_known'), type_='check')
        batch_op.drop_column('process_requested_at')
