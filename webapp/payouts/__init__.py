"""Payouts: the new-payout flow, the list and each payout's page."""

from flask import Blueprint

bp = Blueprint("payouts", __name__, url_prefix="/payouts")

from webapp.payouts import attention, new_routes, resubmit, routes  # noqa: E402, F401
