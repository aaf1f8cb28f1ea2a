"""A payout the provider refused to create (401/403/405) can be sent again as a new attempt:
a new payout with a new reference_id, the same recipient, the old one kept as it was."""

from __future__ import annotations

import uuid

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import Payout, PayoutStatus, Role, User
from webapp.payouts import bp
from webapp.payouts.scope import visible_payout_or_404
from webapp.payouts.secrets import decrypt_fields
from webapp.payouts.services import PayoutDraft, submit_payout
from webapp.payouts.timeline import add_event
from webapp.provider.types import PayoutService


def resubmit(original: Payout, creator: User) -> Payout:
    """Store and send a copy of a refused payout; idempotent per (original, creator)."""
    draft = PayoutDraft(
        service=PayoutService.from_snapshot(original.service_snapshot),
        currency=original.currency, amount=original.amount,
        fields=decrypt_fields(original.fields_encrypted),
        # One retry per original and person: a double click finds the same new payout.
        submission_token=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                         f"resubmit:{original.id}:{creator.id}")),
        customer_reference_id=original.customer_reference_id,
        customer_name=original.customer_name, customer_email=original.customer_email,
        customer_phone=original.customer_phone, description=original.description,
    )
    outcome = submit_payout(draft, creator)
    assert outcome.payout is not None
    if not outcome.duplicate:
        add_event(original, "resubmitted", actor_id=creator.id,
                  message=f"#{outcome.payout.id}")
        add_event(outcome.payout, "resubmission_of", actor_id=creator.id,
                  message=f"#{original.id}")
        db.session.commit()
    return outcome.payout


@bp.route("/<int:payout_id>/resubmit", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def resubmit_refused(payout_id: int) -> Response:
    original = visible_payout_or_404(current_user, payout_id)
    if original.status_enum != PayoutStatus.FAILED_TO_CREATE:
        abort(409)
    copy = resubmit(original, current_user)
    flash(_("Sent again as a new payout."), "info")
    return redirect_to(url_for("payouts.detail", payout_id=copy.id))
