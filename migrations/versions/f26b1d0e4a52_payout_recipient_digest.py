"""payouts.recipient_digest: the keyed digest of service, currency, recipient fields and amount
that batch rows already keep, so duplicate checks look it up instead of decrypting candidates

Existing payouts that a new one can still repeat (created in the last 31 days, or waiting for
approval) get their digest here: their fields are decrypted with the app's SECRET_KEY, so this
runs in the app's context (`flask db upgrade`). Older payouts are outside every duplicate
window and keep NULL. A row that does not decrypt (another SECRET_KEY) keeps NULL too, and is
counted in the log. Payouts a worker of the previous version stores after this (a rolling
deploy) keep NULL too: the duplicate checks find the recent ones through the partial index
ix_payouts_undigested and digest them as they read them.

Revision ID: f26b1d0e4a52
Revises: e25a7c0f3d21
Create Date: 2026-11-30 01:00:00
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "f26b1d0e4a52"
down_revision = "e25a7c0f3d21"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
WINDOW_DAYS = 31
CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("recipient_digest", sa.String(length=64), nullable=True))
        batch.create_index("ix_payouts_recipient_digest", ["recipient_digest"], unique=False)
    _fill_recent_digests()
    # Rows a worker of the previous version stores meanwhile (a rolling deploy) have none:
    # the duplicate checks find the recent ones through this index and digest them.
    op.create_index("ix_payouts_undigested", "payouts", ["created_at"], unique=False,
                    postgresql_where=sa.text("recipient_digest IS NULL"),
                    sqlite_where=sa.text("recipient_digest IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_payouts_undigested", table_name="payouts")
    with op.batch_alter_table("payouts") as batch:
        batch.drop_index("ix_payouts_recipient_digest")
        batch.drop_column("recipient_digest")


def _fill_recent_digests() -> None:
    from webapp.payout_core.recipient_digest import recipient_digest
    from webapp.payout_core.secrets import decrypt_fields

    payouts = sa.table("payouts", sa.column("id", sa.Integer), sa.column("status", sa.String),
                       sa.column("service_code", sa.String), sa.column("currency", sa.String),
                       sa.column("amount", sa.Numeric(28, 8)),
                       sa.column("fields_encrypted", sa.Text),
                       sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("recipient_digest", sa.String))
    since = datetime.now(UTC) - timedelta(days=WINDOW_DAYS)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(payouts.c.id, payouts.c.service_code, payouts.c.currency, payouts.c.amount,
                  payouts.c.fields_encrypted)
        .where(payouts.c.fields_encrypted.is_not(None), payouts.c.fields_encrypted != "",
               sa.or_(payouts.c.created_at >= since,
                      payouts.c.status == "awaiting_approval"))).all()
    unreadable = 0
    for start in range(0, len(rows), CHUNK):
        updates = []
        for payout_id, service_code, currency, amount, encrypted in rows[start:start + CHUNK]:
            try:
                fields = decrypt_fields(encrypted)
            except Exception:  # another SECRET_KEY wrote it: no digest, nothing to compare
                unreadable += 1
                continue
            updates.append({"row_id": payout_id, "digest": recipient_digest(
                service_code, currency, fields, Decimal(amount))})
        if updates:
            connection.execute(payouts.update().where(payouts.c.id == sa.bindparam("row_id"))
                               .values(recipient_digest=sa.bindparam("digest")), updates)
    if unreadable:
        log.warning("%d recent payouts did not decrypt with this SECRET_KEY: they keep no "
                    "recipient digest and are not found as duplicates", unreadable)
