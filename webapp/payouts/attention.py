"""Payouts that need a person: unknown provider state or a failure, with when last checked."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.models import Payout, PayoutStatus, Role
from webapp.payouts import bp

S = PayoutStatus
NEEDS_ATTENTION = (S.CREATION_UNKNOWN, S.PROCESSING_UNKNOWN, S.FAILED_TO_CREATE, S.FAILED,
                   S.APPROVED)
LIMIT = 500


@bp.route("/attention")
@roles_required(Role.ADMIN, Role.MANAGER, Role.AUDITOR)
def attention() -> str:
    """Unknown states first (they are being resolved), then failures, newest first."""
    payouts = db.session.scalars(
        select(Payout)
        .options(joinedload(Payout.created_by))
        .where(Payout.status.in_([s.value for s in NEEDS_ATTENTION]))
        .order_by(Payout.status.in_([S.CREATION_UNKNOWN.value, S.PROCESSING_UNKNOWN.value])
                  .desc(), Payout.updated_at.desc(), Payout.id.desc())
        .limit(LIMIT)
    ).all()
    return render_template("payouts/attention.html", payouts=payouts)
