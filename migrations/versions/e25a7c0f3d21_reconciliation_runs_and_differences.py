"""reconciliation with the provider: runs (cursor, counters, totals on both sides) and the
differences each found (kind, explained flag and note); matches say which payouts a run saw

Revision ID: e25a7c0f3d21
Revises: e24a0b1c2d3f
Create Date: 2026-11-29 17:19:37.317920

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e25a7c0f3d21'
down_revision = 'e24a0b1c2d3f'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('schedule_key', sa.String(length=16), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cursor', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('invoices_seen', sa.Integer(), nullable=False),
    sa.Column('invoices_in_period', sa.Integer(), nullable=False),
    sa.Column('payouts_checked', sa.Integer(), nullable=False),
    sa.Column('differences', sa.Integer(), nullable=False),
    sa.Column('provider_totals', sa.JSON(), nullable=True),
    sa.Column('desk_totals', sa.JSON(), nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("phase IN ('provider', 'desk', 'finished')", name=op.f('ck_reconciliation_runs_reconciliation_phase_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_reconciliation_runs_reconciliation_status_known')),
    sa.CheckConstraint('period_end > period_start', name=op.f('ck_reconciliation_runs_reconciliation_period_order')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_reconciliation_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_runs')),
    sa.UniqueConstraint('schedule_key', name=op.f('uq_reconciliation_runs_schedule_key'))
    )
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_status'), ['status'], unique=False)

    op.create_table('reconciliation_differences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payout_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.String(length=64), nullable=True),
    sa.Column('reference_id', sa.String(length=64), nullable=True),
    sa.Column('currency', sa.String(length=8), nullable=True),
    sa.Column('desk_value', sa.String(length=64), nullable=True),
    sa.Column('provider_value', sa.String(length=64), nullable=True),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('explained', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('explained_by_id', sa.Integer(), nullable=True),
    sa.Column('explained_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('unknown_at_desk', 'missing_at_provider', 'status', 'amount', 'currency', 'fee', 'processed_amount')", name=op.f('ck_reconciliation_differences_reconciliation_kind_known')),
    sa.ForeignKeyConstraint(['explained_by_id'], ['users.id'], name=op.f('fk_reconciliation_differences_explained_by_id_users')),
    sa.ForeignKeyConstraint(['payout_id'], ['payouts.id'], name=op.f('fk_reconciliation_differences_payout_id_payouts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_differences_run_id_reconciliation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_differences'))
    )
    with op.batch_alter_table('reconciliation_differences', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_differences_explained', ['explained'], unique=False)
        batch_op.create_index('ix_reconciliation_differences_run_kind', ['run_id', 'kind'], unique=False)

    op.create_table('reconciliation_matches',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('payout_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['payout_id'], ['payouts.id'], name=op.f('fk_reconciliation_matches_payout_id_payouts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_matches_run_id_reconciliation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'payout_id', name=op.f('pk_reconciliation_matches'))
    )



def downgrade():
    
    op.drop_table('reconciliation_matches')
    with op.batch_alter_table('reconciliation_differences', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_differences_run_kind')
        batch_op.drop_index('ix_reconciliation_differences_explained')

    op.drop_table('reconciliation_differences')
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_status'))

    op.drop_table('reconciliation_runs')

