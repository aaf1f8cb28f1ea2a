"""Payouts: the list, its export, each payout's page, the attention list and resubmission."""

from flask import Blueprint

bp = Blueprint("payouts", __name__, url_prefix="/payouts")

from webapp.payouts import routes  # noqa: E402, F401
