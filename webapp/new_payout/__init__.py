"""New payout: pick currency and amount, choose a provider service, fill its recipient form."""

from flask import Blueprint

bp = Blueprint("new_payout", __name__, url_prefix="/payouts")

from webapp.new_payout import routes  # noqa: E402, F401
